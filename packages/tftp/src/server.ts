/**
 * The TFTP server: serves one directory, read-only unless writes are allowed, never outside it. Each
 * request gets its own socket (a new transfer ID) and runs concurrently with the others. A read in octet
 * mode holds one batch of packets read ahead (256 KiB at most, nothing once it stalls) and re-reads the
 * file to retransmit; a netascii read or a write holds its window. What each transfer holds is counted against maxMemoryBytes. close() stops
 * listening, ends running transfers with an ERROR packet, and resolves when every socket is closed.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { open, realpath, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { DEFAULT_LIMITS } from '@initkit/core';
import { TFTP_PORT } from './address.js';
import { Channel, type Endpoint, formatEndpoint } from './channel.js';
import { errorForPeer, TftpError, TftpErrorCode } from './errors.js';
import {
  MAX_BLKSIZE,
  MAX_WINDOWSIZE,
  negotiateServerOptions,
  type ServerLimits,
  type TransferParameters,
} from './options.js';
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
import { DEFAULT_BATCH_BYTES, sendWindowBytes } from './send-window.js';
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
  /**
   * Most block bytes one window may span (4 MiB by default): windowsize is lowered so blksize x windowsize
   * fits. A netascii read or a write holds its window in memory; an octet read sends it from the file.
   */
  maxWindowBytes?: number;
  /** Retransmission timeout in ms when the client asks for none (1000 by default). */
  timeout?: number;
  /** Retransmissions without progress before a transfer is dropped (5 by default). */
  retries?: number;
  /** Transfers at once; more are refused with "server busy" (1024 by default). */
  maxTransfers?: number;
  /**
   * Block bytes all transfers may hold together (256 MiB by default). An octet read counts one batch of
   * packets (at most 256 KiB: the file is read again to retransmit), a netascii read or a write its whole
   * window. When what a new transfer would hold does not fit in what is left, its window (and block size)
   * are lowered to fit; with less than one 512-byte block left it is refused with "server busy".
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

/** Default bound on the block bytes all transfers hold together. */
export const DEFAULT_MAX_MEMORY = 256 << 20;
/** Default ceiling of the retransmission interval (and of an acknowledged timeout option). */
export const DEFAULT_MAX_TIMEOUT_MS = 10_000;
/** The smallest window a transfer can run with: one block of RFC 1350's 512 bytes. */
const MIN_WINDOW_BYTES = 512;

interface Session {
  controller: AbortController;
  done: Promise<void>;
}

/** The server's settings, resolved from the options once. */
interface ServerConfig {
  root: string;
  address: string;
  socketType: 'udp4' | 'udp6';
  limits: ServerLimits;
  defaultTimeout: number;
  retries: number;
  maxTransfers: number;
  maxMemoryBytes: number;
  maxTimeoutMs: number;
  maxWriteBytes: number;
  allowWrite: boolean;
  onTransfer: ((event: TftpTransferEvent) => void) | undefined;
}

/** Checks the root and the address and fills in every default. */
async function resolveServerConfig(options: TftpServerOptions): Promise<ServerConfig> {
  const root = await realpath(options.root);
  if (!(await stat(root)).isDirectory()) {
    throw new TftpError('TFTP_BAD_OPTION', `root: ${options.root} is not a directory`);
  }
  const address = options.address ?? '0.0.0.0';
  const family = isIP(address);
  if (family === 0) throw new TftpError('TFTP_BAD_ADDRESS', `expected an IP address to listen on, got ${address}`);
  const defaultTimeout = options.timeout ?? DEFAULT_RETRANSMIT.timeoutMs;
  return {
    root,
    address,
    socketType: family === 6 ? 'udp6' : 'udp4',
    limits: {
      maxBlksize: Math.min(options.maxBlksize ?? MAX_BLKSIZE, MAX_BLKSIZE),
      maxWindowsize: Math.min(options.maxWindowsize ?? 64, MAX_WINDOWSIZE),
      maxWindowBytes: options.maxWindowBytes ?? 4 << 20,
    },
    defaultTimeout,
    retries: options.retries ?? DEFAULT_RETRANSMIT.retries,
    maxTransfers: options.maxTransfers ?? 1024,
    maxMemoryBytes: options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY,
    maxTimeoutMs: Math.max(options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS, defaultTimeout),
    maxWriteBytes: options.maxWriteBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    allowWrite: options.allowWrite ?? false,
    onTransfer: options.onTransfer,
  };
}

/** What a finished (or failed) transfer reports. */
interface Outcome {
  bytes: number;
  parameters: { blksize: number; windowsize: number };
  /** The receiver keeps the channel open a moment to re-acknowledge a lost last ACK. */
  dallying: boolean;
}

/** The running server: admits requests on the listening socket and runs each transfer on its own socket. */
class Server {
  private readonly sessions = new Map<string, Session>();
  /** Block bytes the running transfers may hold (what each counted when it started). */
  private reservedBytes = 0;
  private closing = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly listener: Socket,
  ) {
    listener.on('error', () => {}); // ICMP errors for one client must not stop the server.
    listener.on('message', (message, remote) => this.admit(message, remote));
  }

  get activeTransfers(): number {
    return this.sessions.size;
  }

  /** A datagram on the listening port: a new request starts a session; anything else gets an ERROR. */
  private admit(message: Buffer, remote: RemoteInfo): void {
    if (this.closing) return;
    let packet: ReturnType<typeof decodePacket>;
    try {
      packet = decodePacket(message);
    } catch {
      return;
    }
    if (packet.opcode !== Opcode.RRQ && packet.opcode !== Opcode.WRQ) {
      this.reply(encodeError(TftpErrorCode.IllegalOperation, 'expected a read or write request'), remote);
      return;
    }
    const key = `${remote.address}|${remote.port}`;
    if (this.sessions.has(key)) return; // A retransmitted request: the running transfer answers it.
    if (packet.mode !== 'octet' && packet.mode !== 'netascii') {
      this.reply(encodeError(TftpErrorCode.IllegalOperation, `unsupported transfer mode ${packet.mode}`), remote);
      return;
    }
    const { maxTransfers, maxMemoryBytes } = this.config;
    if (this.sessions.size >= maxTransfers || maxMemoryBytes - this.reservedBytes < MIN_WINDOW_BYTES) {
      this.reply(encodeError(TftpErrorCode.NotDefined, 'server busy, try again later'), remote);
      return;
    }
    const controller = new AbortController();
    const client = { address: remote.address, port: remote.port };
    const done = this.runSession(packet, client, controller.signal).finally(() => this.sessions.delete(key));
    this.sessions.set(key, { controller, done });
  }

  private reply(packet: Uint8Array, to: RemoteInfo): void {
    this.listener.send(packet, to.port, to.address, () => {});
  }

  /** One transfer: its own socket and channel, the read or write, then the report and the cleanup. */
  private async runSession(request: RequestPacket, client: Endpoint, signal: AbortSignal): Promise<void> {
    const kind = request.opcode === Opcode.RRQ ? 'read' : 'write';
    const started = Date.now();
    const socket = createSocket({ type: this.config.socketType, ipv6Only: false });
    const channel = new Channel(socket, {
      peerAddress: client.address,
      signal,
      label: `${kind} of ${JSON.stringify(request.filename)} by ${formatEndpoint(client)}`,
    });
    const outcome: Outcome = { bytes: 0, parameters: { blksize: 512, windowsize: 1 }, dallying: false };
    const reservation = { bytes: 0 };
    let failure: Error | undefined;
    try {
      await bindAny(socket, this.config.address);
      channel.lock(client);
      const mode = request.mode as TransferMode;
      if (request.opcode === Opcode.RRQ) await this.serveRead(channel, request, mode, outcome, reservation);
      else await this.serveWrite(channel, socket, request, mode, outcome, reservation);
    } catch (error) {
      failure = error as Error;
      const answer = errorForPeer(error);
      if (answer) channel.sendError(answer.tftpCode, signal.aborted ? 'server shutting down' : answer.message);
    } finally {
      this.reservedBytes -= reservation.bytes;
      if (!outcome.dallying) channel.close();
    }
    this.config.onTransfer?.({
      kind,
      file: request.filename,
      client,
      bytes: outcome.bytes,
      ...outcome.parameters,
      elapsedMs: Date.now() - started,
      ...(failure ? { error: failure } : {}),
    });
  }

  /**
   * Options negotiated for a new transfer, and what it will hold (`held` of the agreed parameters)
   * counted against the memory bound.
   */
  private negotiate(
    request: RequestPacket,
    mode: TransferMode,
    size: number | undefined,
    outcome: Outcome,
    reservation: { bytes: number },
    held: (parameters: TransferParameters) => number,
  ): ReturnType<typeof negotiateServerOptions> {
    const limits: ServerLimits = { ...this.config.limits, maxTimeoutMs: this.config.maxTimeoutMs };
    const left = this.config.maxMemoryBytes - this.reservedBytes;
    let agreed = negotiateServerOptions(request.options, mode, size, limits);
    if (held(agreed.parameters) > left) {
      // Lower the window (and the block size) until what the transfer holds fits in what is left.
      const fitted = { ...limits, maxWindowBytes: Math.min(limits.maxWindowBytes, left) };
      agreed = negotiateServerOptions(request.options, mode, size, fitted);
    }
    outcome.parameters = agreed.parameters;
    reservation.bytes = held(agreed.parameters);
    this.reservedBytes += reservation.bytes;
    return agreed;
  }

  /** RRQ: the file under the root, sent window by window (opened by an OACK when options were agreed). */
  private async serveRead(
    channel: Channel,
    request: RequestPacket,
    mode: TransferMode,
    outcome: Outcome,
    reservation: { bytes: number },
  ): Promise<void> {
    const { source, size } = await this.openForRead(request.filename, mode);
    try {
      // A file's reads fill at most what the other transfers leave.
      const batchBytes = Math.min(DEFAULT_BATCH_BYTES, this.config.maxMemoryBytes - this.reservedBytes);
      const agreed = this.negotiate(request, mode, size, outcome, reservation, (parameters) =>
        sendWindowBytes(source.kind, parameters, batchBytes),
      );
      outcome.bytes = await sendBlocks({
        channel,
        source,
        batchBytes,
        parameters: agreed.parameters,
        policy: this.policyFor(agreed.parameters.timeoutMs),
        ...(agreed.acknowledged.length > 0 ? { opening: encodeOack(agreed.acknowledged) } : {}),
      });
    } finally {
      await source.close().catch(() => {});
    }
  }

  /** WRQ (when allowed): received into a temporary file that replaces the target when complete. */
  private async serveWrite(
    channel: Channel,
    socket: Socket,
    request: RequestPacket,
    mode: TransferMode,
    outcome: Outcome,
    reservation: { bytes: number },
  ): Promise<void> {
    if (!this.config.allowWrite) {
      throw new TftpError('TFTP_ACCESS_VIOLATION', 'this server does not accept writes', {
        tftpCode: TftpErrorCode.AccessViolation,
      });
    }
    const agreed = this.negotiate(
      request,
      mode,
      undefined,
      outcome,
      reservation,
      ({ blksize, windowsize }) => blksize * windowsize,
    );
    const fitted = fitWindowToBuffer(socket, agreed.parameters.blksize, agreed.parameters.windowsize);
    if (fitted < agreed.parameters.windowsize) {
      agreed.parameters.windowsize = fitted;
      const entry = agreed.acknowledged.find(([name]) => name === 'windowsize');
      if (entry) entry[1] = String(fitted);
    }
    const { maxWriteBytes } = this.config;
    if (agreed.parameters.tsize !== undefined && agreed.parameters.tsize > maxWriteBytes) {
      throw new TftpError('TFTP_TOO_LARGE', `${agreed.parameters.tsize} bytes is over the limit of ${maxWriteBytes}`, {
        tftpCode: TftpErrorCode.DiskFull,
      });
    }
    const path = await pathToWrite(this.config.root, request.filename);
    let sink: BlockSink = await new AtomicFileSink(path, maxWriteBytes).open();
    if (mode === 'netascii') sink = netasciiSink(sink);
    const invitation = agreed.acknowledged.length > 0 ? encodeOack(agreed.acknowledged) : encodeAck(0);
    channel.send(invitation);
    const result = await receiveBlocks({
      channel,
      sink,
      parameters: agreed.parameters,
      policy: this.policyFor(agreed.parameters.timeoutMs),
      invitation,
    });
    outcome.bytes = result.bytes;
    outcome.dallying = true;
    dallyThenClose(channel, result.lastBlock, Math.min(2 * this.config.defaultTimeout, 3000));
  }

  private policyFor(timeoutMs: number | undefined): RetransmitPolicy {
    const { defaultTimeout, maxTimeoutMs, retries } = this.config;
    const timeout = Math.min(timeoutMs ?? defaultTimeout, maxTimeoutMs);
    return { timeoutMs: timeout, maxTimeoutMs: Math.min(timeout * 8, maxTimeoutMs), retries };
  }

  private async openForRead(name: string, mode: TransferMode): Promise<{ source: BlockSource; size: number }> {
    const path = await pathToRead(this.config.root, name);
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
    const source = fileSource(handle, info.size);
    return { source: mode === 'netascii' ? netasciiSource(source) : source, size: info.size };
  }

  /** Stops listening, cancels running transfers and waits for their sockets to close. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
    const running = [...this.sessions.values()];
    for (const session of running) session.controller.abort();
    await Promise.allSettled(running.map((session) => session.done));
  }
}

/** Starts a server; resolves once it is listening. */
export async function startTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const config = await resolveServerConfig(options);
  const listener = createSocket({ type: config.socketType, ipv6Only: false });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(options.port ?? TFTP_PORT, config.address, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const server = new Server(config, listener);
  const bound = listener.address();
  return {
    address: bound.address,
    port: bound.port,
    get activeTransfers() {
      return server.activeTransfers;
    },
    close: () => server.close(),
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
