/**
 * The TFTP server: serves one directory, read-only unless writes are allowed, never outside it. Each
 * request gets its own socket (a new transfer ID) and runs concurrently with the others; a window of
 * blocks is all the memory a transfer holds. close() stops listening, ends running transfers with an
 * ERROR packet, and resolves when every socket is closed.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { open, realpath, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { DEFAULT_LIMITS } from '@initkit/core';
import { TFTP_PORT } from './address.js';
import { Channel, type Endpoint, formatEndpoint } from './channel.js';
import { errorForPeer, TftpError, TftpErrorCode } from './errors.js';
import { MAX_BLKSIZE, MAX_WINDOWSIZE, negotiateServerOptions, type ServerLimits } from './options.js';
import {
  decodePacket,
  encodeAck,
  encodeError,
  encodeOack,
  Opcode,
  type RequestPacket,
  type TransferMode,
} from './packets.js';
import { fitWindowToBuffer } from './receive-buffer.js';
import { dallyThenClose, receiveBlocks } from './receiver.js';
import { DEFAULT_RETRANSMIT, type RetransmitPolicy } from './retransmit.js';
import { pathToRead, pathToWrite } from './root-path.js';
import { sendBlocks } from './sender.js';
import { AtomicFileSink, type BlockSink, netasciiSink } from './sink.js';
import { type BlockSource, fileSource, netasciiSource } from './source.js';

export interface TftpServerOptions {
  /** The directory to serve. */
  root: string;
  /** UDP port; 69 by default, 0 for any free port (see `.port`). */
  port?: number;
  /** Address to listen on; '0.0.0.0' by default ('::' listens on IPv6 and IPv4). */
  address?: string;
  /** Accept write requests (files are replaced atomically when complete); off by default. */
  allowWrite?: boolean;
  /** Largest blksize granted (65464 by default). */
  maxBlksize?: number;
  /** Largest windowsize granted (64 by default). */
  maxWindowsize?: number;
  /** Most bytes one transfer's window may hold (4 MiB by default); windowsize is lowered to fit. */
  maxWindowBytes?: number;
  /** Retransmission timeout in ms when the client asks for none (1000 by default). */
  timeout?: number;
  /** Retransmissions without progress before a transfer is dropped (5 by default). */
  retries?: number;
  /** Transfers at once; more are refused with "server busy" (1024 by default). */
  maxTransfers?: number;
  /**
   * Bytes all transfers' windows may hold together (256 MiB by default). A new transfer's window is
   * lowered to what is left; with less than one block left it is refused with "server busy".
   */
  maxMemoryBytes?: number;
  /**
   * Longest retransmission interval in ms (10,000 by default). A client asking for a longer timeout
   * (RFC 2349 allows 255 s) does not get it acknowledged, and the doubled interval stops there: a dead
   * transfer ends after at most (retries + 1) x this.
   */
  maxTimeoutMs?: number;
  /** Largest file a client may write (2 GiB by default). */
  maxWriteBytes?: number;
  /** Called when a transfer ends, for logging. */
  onTransfer?: (event: TftpTransferEvent) => void;
}

export interface TftpTransferEvent {
  kind: 'read' | 'write';
  file: string;
  client: Endpoint;
  bytes: number;
  blksize: number;
  windowsize: number;
  elapsedMs: number;
  /** Set when the transfer failed. */
  error?: TftpError | Error;
}

export interface TftpServer {
  readonly address: string;
  readonly port: number;
  /** Transfers running now. */
  readonly activeTransfers: number;
  /** Stops listening, cancels running transfers, and resolves when all sockets are closed. */
  close(): Promise<void>;
}

/** Default bound on the bytes all windows hold together. */
export const DEFAULT_MAX_MEMORY = 256 << 20;
/** Default ceiling of the retransmission interval (and of an acknowledged timeout option). */
export const DEFAULT_MAX_TIMEOUT_MS = 10_000;
/** The smallest window a transfer can run with: one block of RFC 1350's 512 bytes. */
const MIN_WINDOW_BYTES = 512;

interface Session {
  controller: AbortController;
  done: Promise<void>;
}

/** Starts a server; resolves once it is listening. */
export async function startTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const root = await realpath(options.root);
  if (!(await stat(root)).isDirectory()) {
    throw new TftpError('TFTP_BAD_OPTION', `root: ${options.root} is not a directory`);
  }
  const address = options.address ?? '0.0.0.0';
  const family = isIP(address);
  if (family === 0) throw new TftpError('TFTP_BAD_ADDRESS', `expected an IP address to listen on, got ${address}`);
  const socketType = family === 6 ? 'udp6' : 'udp4';
  const limits: ServerLimits = {
    maxBlksize: Math.min(options.maxBlksize ?? MAX_BLKSIZE, MAX_BLKSIZE),
    maxWindowsize: Math.min(options.maxWindowsize ?? 64, MAX_WINDOWSIZE),
    maxWindowBytes: options.maxWindowBytes ?? 4 << 20,
  };
  const defaultTimeout = options.timeout ?? DEFAULT_RETRANSMIT.timeoutMs;
  const retries = options.retries ?? DEFAULT_RETRANSMIT.retries;
  const maxTransfers = options.maxTransfers ?? 1024;
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
  const maxTimeoutMs = Math.max(options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS, defaultTimeout);
  /** Window bytes the running transfers hold. */
  let reservedBytes = 0;
  /** Limits for a new transfer: its window fits in what the others leave. */
  const sessionLimits = (): ServerLimits => ({
    ...limits,
    maxWindowBytes: Math.min(limits.maxWindowBytes, maxMemoryBytes - reservedBytes),
    maxTimeoutMs,
  });
  const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_LIMITS.maxOutputBytes;
  const sessions = new Map<string, Session>();
  let closing = false;

  const listener = createSocket({ type: socketType, ipv6Only: false });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(options.port ?? TFTP_PORT, address, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', () => {}); // ICMP errors for one client must not stop the server.

  const reply = (packet: Uint8Array, to: RemoteInfo) => listener.send(packet, to.port, to.address, () => {});

  listener.on('message', (message, remote) => {
    if (closing) return;
    let packet: ReturnType<typeof decodePacket>;
    try {
      packet = decodePacket(message);
    } catch {
      return;
    }
    if (packet.opcode !== Opcode.RRQ && packet.opcode !== Opcode.WRQ) {
      reply(encodeError(TftpErrorCode.IllegalOperation, 'expected a read or write request'), remote);
      return;
    }
    const key = `${remote.address}|${remote.port}`;
    if (sessions.has(key)) return; // A retransmitted request: the running transfer answers it.
    if (packet.mode !== 'octet' && packet.mode !== 'netascii') {
      reply(encodeError(TftpErrorCode.IllegalOperation, `unsupported transfer mode ${packet.mode}`), remote);
      return;
    }
    if (sessions.size >= maxTransfers || maxMemoryBytes - reservedBytes < MIN_WINDOW_BYTES) {
      reply(encodeError(TftpErrorCode.NotDefined, 'server busy, try again later'), remote);
      return;
    }
    const controller = new AbortController();
    const client = { address: remote.address, port: remote.port };
    const session: Session = {
      controller,
      done: runSession(packet, client, controller.signal).finally(() => sessions.delete(key)),
    };
    sessions.set(key, session);
  });

  async function runSession(request: RequestPacket, client: Endpoint, signal: AbortSignal): Promise<void> {
    const kind = request.opcode === Opcode.RRQ ? 'read' : 'write';
    const started = Date.now();
    const socket = createSocket({ type: socketType, ipv6Only: false });
    let bytes = 0;
    let parameters = { blksize: 512, windowsize: 1 };
    const channel = new Channel(socket, {
      peerAddress: client.address,
      signal,
      label: `${kind} of ${JSON.stringify(request.filename)} by ${formatEndpoint(client)}`,
    });
    let dallying = false;
    let reserved = 0;
    try {
      await bindAny(socket, address);
      channel.lock(client);
      const mode = request.mode as TransferMode;
      if (request.opcode === Opcode.RRQ) {
        const { source, size } = await openForRead(request.filename, mode);
        try {
          const agreed = negotiateServerOptions(request.options, mode, size, sessionLimits());
          parameters = agreed.parameters;
          reserved = agreed.parameters.blksize * agreed.parameters.windowsize;
          reservedBytes += reserved;
          bytes = await sendBlocks({
            channel,
            source,
            parameters: agreed.parameters,
            policy: policyFor(agreed.parameters.timeoutMs),
            ...(agreed.acknowledged.length > 0 ? { opening: encodeOack(agreed.acknowledged) } : {}),
          });
        } finally {
          await source.close().catch(() => {});
        }
      } else {
        if (!options.allowWrite) {
          throw new TftpError('TFTP_ACCESS_VIOLATION', 'this server does not accept writes', {
            tftpCode: TftpErrorCode.AccessViolation,
          });
        }
        const agreed = negotiateServerOptions(request.options, mode, undefined, sessionLimits());
        parameters = agreed.parameters;
        reserved = agreed.parameters.blksize * agreed.parameters.windowsize;
        reservedBytes += reserved;
        const fitted = fitWindowToBuffer(socket, agreed.parameters.blksize, agreed.parameters.windowsize);
        if (fitted < agreed.parameters.windowsize) {
          agreed.parameters.windowsize = fitted;
          const entry = agreed.acknowledged.find(([name]) => name === 'windowsize');
          if (entry) entry[1] = String(fitted);
        }
        if (agreed.parameters.tsize !== undefined && agreed.parameters.tsize > maxWriteBytes) {
          throw new TftpError(
            'TFTP_TOO_LARGE',
            `${agreed.parameters.tsize} bytes is over the limit of ${maxWriteBytes}`,
            {
              tftpCode: TftpErrorCode.DiskFull,
            },
          );
        }
        const path = await pathToWrite(root, request.filename);
        let sink: BlockSink = await new AtomicFileSink(path, maxWriteBytes).open();
        if (mode === 'netascii') sink = netasciiSink(sink);
        const invitation = agreed.acknowledged.length > 0 ? encodeOack(agreed.acknowledged) : encodeAck(0);
        channel.send(invitation);
        const result = await receiveBlocks({
          channel,
          sink,
          parameters: agreed.parameters,
          policy: policyFor(agreed.parameters.timeoutMs),
          invitation,
        });
        bytes = result.bytes;
        dallying = true;
        dallyThenClose(channel, result.lastBlock, Math.min(2 * defaultTimeout, 3000));
      }
      options.onTransfer?.({
        kind,
        file: request.filename,
        client,
        bytes,
        ...parameters,
        elapsedMs: Date.now() - started,
      });
    } catch (error) {
      const answer = errorForPeer(error);
      if (answer) {
        channel.sendError(answer.tftpCode, signal.aborted ? 'server shutting down' : answer.message);
      }
      options.onTransfer?.({
        kind,
        file: request.filename,
        client,
        bytes,
        ...parameters,
        elapsedMs: Date.now() - started,
        error: error as Error,
      });
    } finally {
      reservedBytes -= reserved;
      if (!dallying) channel.close();
    }
  }

  function policyFor(timeoutMs: number | undefined): RetransmitPolicy {
    const timeout = Math.min(timeoutMs ?? defaultTimeout, maxTimeoutMs);
    return { timeoutMs: timeout, maxTimeoutMs: Math.min(timeout * 8, maxTimeoutMs), retries };
  }

  async function openForRead(name: string, mode: TransferMode): Promise<{ source: BlockSource; size: number }> {
    const path = await pathToRead(root, name);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new TftpError(
        code === 'ENOENT' ? 'TFTP_NOT_FOUND' : 'TFTP_ACCESS_VIOLATION',
        `${JSON.stringify(name)}: ${code === 'ENOENT' ? 'file not found' : 'access denied'}`,
        { tftpCode: code === 'ENOENT' ? TftpErrorCode.FileNotFound : TftpErrorCode.AccessViolation },
      );
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new TftpError('TFTP_ACCESS_VIOLATION', `${JSON.stringify(name)}: not a regular file`, {
        tftpCode: TftpErrorCode.AccessViolation,
      });
    }
    const source = fileSource(handle);
    return { source: mode === 'netascii' ? netasciiSource(source) : source, size: info.size };
  }

  const bound = listener.address();
  return {
    address: bound.address,
    port: bound.port,
    get activeTransfers() {
      return sessions.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      const running = [...sessions.values()];
      for (const session of running) session.controller.abort();
      await Promise.allSettled(running.map((session) => session.done));
    },
  };
}

function bindAny(socket: Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
