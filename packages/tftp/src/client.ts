/**
 * The TFTP client: read (RRQ) and write (WRQ) requests with option negotiation and a clean fallback to
 * plain RFC 1350 when a server ignores or refuses options. Reads land in memory, a stream or a file
 * (replaced atomically); writes take bytes, a stream or a file. Every call honours an AbortSignal and an
 * overall deadline and ends in a typed TftpError.
 */
import { createSocket, type Socket } from 'node:dgram';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { DEFAULT_LIMITS } from '@initkit/core';
import { resolveHost, TFTP_PORT } from './address.js';
import { Channel, type Endpoint, formatEndpoint } from './channel.js';
import { errorForPeer, remoteError, TftpError, TftpErrorCode } from './errors.js';
import { linkBlksize } from './link-blksize.js';
import {
  acceptOack,
  clientOptions,
  MAX_BLKSIZE,
  MAX_WINDOWSIZE,
  MIN_BLKSIZE,
  PLAIN_PARAMETERS,
  type TransferParameters,
} from './options.js';
import { type DataPacket, encodeAck, encodeRequest, Opcode, type TransferMode } from './packets.js';
import { fitWindowToBuffer } from './receive-buffer.js';
import { dallyThenClose, receiveBlocks } from './receiver.js';
import { Backoff, DEFAULT_RETRANSMIT, type RetransmitPolicy } from './retransmit.js';
import { sendBlocks } from './sender.js';
import { AtomicFileSink, type BlockSink, MemorySink, netasciiSink, StreamSink } from './sink.js';
import { type BlockSource, bytesSource, fileSource, iterableSource, netasciiSource } from './source.js';
import { probeUnreachable } from './unreachable-probe.js';

export interface TftpProgress {
  /** Bytes transferred so far (acknowledged, for writes). */
  bytes: number;
  /** The size announced with tsize, when known. */
  total: number | undefined;
}

export interface TftpClientOptions {
  host: string;
  /** Server port; 69 by default. */
  port?: number;
  /** The file name on the server. */
  file: string;
  /** 'octet' (default) or 'netascii'. */
  mode?: TransferMode;
  /**
   * Block size to ask for (8..65464), or 'auto' (the default): as big as one packet on the link to the
   * server (1468 on Ethernet, 65464 on loopback).
   */
  blksize?: number | 'auto';
  /** Blocks per acknowledgement to ask for (RFC 7440), 16 by default; 1 is lock-step. */
  windowsize?: number;
  /**
   * First retransmission timeout in milliseconds (1000 by default; doubled on each silence up to 8x).
   * When given, it is also sent to the server as the timeout option (utimeout for fractions of a second);
   * doubled on writes, where the server's interval also sets how long it waits for a repeated last block.
   */
  timeout?: number;
  /** Retransmissions in a row without progress before failing with TFTP_TIMEOUT (5 by default). */
  retries?: number;
  /** false sends a plain RFC 1350 request with no options at all. */
  options?: boolean;
  /** Ask for (read) or announce (write) the transfer size; true by default. */
  tsize?: boolean;
  /** The whole transfer must end within this many milliseconds (or by this time); TFTP_DEADLINE otherwise. */
  deadline?: number | Date;
  signal?: AbortSignal;
  onProgress?: (progress: TftpProgress) => void;
  /** Force IPv4 or IPv6 when resolving a name. */
  family?: 4 | 6;
  /** Largest file a read accepts (2 GiB by default, core's maxOutputBytes); more is TFTP_TOO_LARGE. */
  maxOutputBytes?: number;
  /** @deprecated Use `maxOutputBytes` (the limit options are named `max<Thing>Bytes`, core's README). */
  maxBytes?: number;
}

/** The read limit: maxOutputBytes, else the deprecated maxBytes, else core's default (2 GiB). */
function readLimit(options: TftpClientOptions): number {
  return options.maxOutputBytes ?? options.maxBytes ?? DEFAULT_LIMITS.maxOutputBytes;
}

export interface TftpTransferResult {
  bytes: number;
  /** The server's transfer endpoint (its TID). */
  server: Endpoint;
  /** What the transfer ran with after negotiation. */
  blksize: number;
  windowsize: number;
  tsize: number | undefined;
  /** True when the server acknowledged options with an OACK. */
  negotiated: boolean;
  elapsedMs: number;
}

interface Prepared {
  socket: Socket;
  server: Endpoint;
  family: 4 | 6;
  policy: RetransmitPolicy;
  deadlineAt: number | undefined;
  blksize: number;
  windowsize: number;
  label: string;
  started: number;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TftpError('TFTP_BAD_OPTION', `${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

async function prepare(options: TftpClientOptions, verb: 'read' | 'write'): Promise<Prepared> {
  const started = Date.now();
  const port = options.port ?? TFTP_PORT;
  checkRange('port', port, 1, 65535);
  if (typeof options.blksize === 'number') checkRange('blksize', options.blksize, MIN_BLKSIZE, MAX_BLKSIZE);
  if (options.windowsize !== undefined) checkRange('windowsize', options.windowsize, 1, MAX_WINDOWSIZE);
  if (options.timeout !== undefined && !(options.timeout >= 1 && options.timeout <= 255_000)) {
    throw new TftpError('TFTP_BAD_OPTION', `timeout must be from 1 to 255000 ms, got ${options.timeout}`);
  }
  if (options.retries !== undefined) checkRange('retries', options.retries, 0, 1000);
  if (options.file.length === 0) throw new TftpError('TFTP_BAD_NAME', 'the file name is empty');
  options.signal?.throwIfAborted();
  const deadlineAt =
    options.deadline === undefined
      ? undefined
      : options.deadline instanceof Date
        ? options.deadline.getTime()
        : started + options.deadline;

  const resolved = await resolveHost(options.host, options.family);
  const server = { address: resolved.address, port };
  const blksize =
    options.blksize === undefined || options.blksize === 'auto'
      ? await linkBlksize(resolved.address, resolved.family)
      : options.blksize;
  const socket = createSocket({ type: resolved.family === 6 ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // A window of big blocks must fit the receive buffer, or the kernel drops the end of every window.
  const windowsize = fitWindowToBuffer(socket, blksize, options.windowsize ?? 16);
  const policy: RetransmitPolicy = {
    timeoutMs: options.timeout ?? DEFAULT_RETRANSMIT.timeoutMs,
    maxTimeoutMs: (options.timeout ?? DEFAULT_RETRANSMIT.timeoutMs) * 8,
    retries: options.retries ?? DEFAULT_RETRANSMIT.retries,
  };
  const label = `${verb} of ${JSON.stringify(options.file)} ${verb === 'read' ? 'from' : 'to'} ${formatEndpoint(server)}`;
  return { socket, server, family: resolved.family, policy, deadlineAt, blksize, windowsize, label, started };
}

interface Handshake {
  parameters: TransferParameters;
  negotiated: boolean;
  /** Block 1 when the server answered a read without an OACK. */
  firstBlock?: DataPacket;
}

/**
 * Sends the request and waits for the first answer from the server's new transfer port, retransmitting
 * with backoff. Falls back to a plain request once when the server refuses the options.
 */
async function handshake(
  channel: Channel,
  prepared: Prepared,
  opcode: typeof Opcode.RRQ | typeof Opcode.WRQ,
  options: TftpClientOptions,
  size: number | undefined,
): Promise<Handshake> {
  const mode = options.mode ?? 'octet';
  const wantOptions = options.options !== false;
  const requested: [string, string][] = wantOptions
    ? clientOptions({
        blksize: prepared.blksize,
        windowsize: prepared.windowsize,
        // On a write the server is the receiver: ask it to wait twice our interval, so the one-shot dally
        // of servers such as tftpd-hpa still answers our first retransmission of the last block.
        timeoutMs: options.timeout === undefined || opcode === Opcode.RRQ ? options.timeout : options.timeout * 2,
        tsize: options.tsize === false ? undefined : opcode === Opcode.RRQ ? 0 : mode === 'octet' ? size : undefined,
      })
    : [];
  const request = encodeRequest(opcode, options.file, mode, requested);
  const backoff = new Backoff(prepared.policy);
  channel.send(request, prepared.server);
  const stopProbe = probeUnreachable(prepared.server, prepared.family, channel.label, (error) =>
    channel.failWith(error),
  );
  try {
    return await answerRequest(channel, prepared, opcode, options, requested, request, backoff);
  } finally {
    stopProbe();
  }
}

/** Waits for the server's first answer to the request, retransmitting it and falling back once. */
async function answerRequest(
  channel: Channel,
  prepared: Prepared,
  opcode: typeof Opcode.RRQ | typeof Opcode.WRQ,
  options: TftpClientOptions,
  requestedOptions: [string, string][],
  firstRequest: Uint8Array,
  backoff: Backoff,
): Promise<Handshake> {
  const mode = options.mode ?? 'octet';
  let requested = requestedOptions;
  let request = firstRequest;
  for (;;) {
    const incoming = await channel.next(backoff.timeoutMs);
    if (!incoming) {
      backoff.retransmitOrGiveUp(
        channel.label,
        () => `no answer from the server after ${prepared.policy.retries} retransmissions of the request`,
      );
      channel.send(request, prepared.server);
      continue;
    }
    const { packet, from } = incoming;
    if (packet.opcode === Opcode.ERROR) {
      const optionTrouble =
        packet.errorCode === TftpErrorCode.OptionNegotiation ||
        packet.errorCode === TftpErrorCode.IllegalOperation ||
        packet.errorCode === TftpErrorCode.NotDefined;
      if (optionTrouble && requested.length > 0) {
        // An older server that cannot parse options: ask again the RFC 1350 way.
        requested = [];
        request = encodeRequest(opcode, options.file, mode);
        backoff.reset();
        channel.send(request, prepared.server);
        continue;
      }
      throw remoteError(packet.errorCode, packet.message, channel.label);
    }
    if (packet.opcode === Opcode.OACK && requested.length > 0) {
      channel.lock(from);
      try {
        return { parameters: acceptOack(packet.options, requested, channel.label), negotiated: true };
      } catch (error) {
        channel.sendError(TftpErrorCode.OptionNegotiation, (error as Error).message);
        throw error;
      }
    }
    if (opcode === Opcode.RRQ && packet.opcode === Opcode.DATA && packet.block === 1) {
      channel.lock(from);
      return { parameters: { ...PLAIN_PARAMETERS }, negotiated: false, firstBlock: packet };
    }
    if (opcode === Opcode.WRQ && packet.opcode === Opcode.ACK && packet.block === 0) {
      channel.lock(from);
      return { parameters: { ...PLAIN_PARAMETERS }, negotiated: false };
    }
  }
}

/** Runs `work` on a fresh channel; on failure tells the server why (when it should know) and closes. */
async function withChannel<T>(
  prepared: Prepared,
  options: TftpClientOptions,
  work: (channel: Channel) => Promise<T>,
): Promise<T> {
  const channel = new Channel(prepared.socket, {
    peerAddress: prepared.server.address,
    signal: options.signal,
    deadlineAt: prepared.deadlineAt,
    label: prepared.label,
  });
  try {
    return await work(channel);
  } catch (error) {
    const reply = errorForPeer(error);
    if (reply && channel.lockedPeer) channel.sendError(reply.tftpCode, reply.message);
    channel.close();
    throw error;
  }
}

/**
 * Holds the server to the size it announced (tsize, octet mode): a byte more ends the transfer with
 * TFTP_TOO_LARGE before it reaches the sink.
 */
function announcedSizeSink(sink: BlockSink, announced: number, label: string): BlockSink {
  let received = 0;
  return {
    write(data) {
      received += data.length;
      if (received > announced) {
        throw new TftpError(
          'TFTP_TOO_LARGE',
          `${label}: the server announced ${announced} bytes (tsize) but sent at least ${received}`,
          { tftpCode: TftpErrorCode.DiskFull },
        );
      }
      return sink.write(data);
    },
    end: () => sink.end(),
    abort: () => sink.abort(),
  };
}

/** Reads a file from a server into the sink `makeSink(tsize)` returns. */
export async function tftpRead(
  options: TftpClientOptions,
  makeSink: (tsize: number | undefined) => BlockSink | Promise<BlockSink>,
): Promise<TftpTransferResult> {
  const prepared = await prepare(options, 'read');
  return withChannel(prepared, options, async (channel) => {
    const agreed = await handshake(channel, prepared, Opcode.RRQ, options, undefined);
    const { parameters } = agreed;
    const maxBytes = readLimit(options);
    if (parameters.tsize !== undefined && parameters.tsize > maxBytes) {
      throw new TftpError(
        'TFTP_TOO_LARGE',
        `${channel.label}: the server announced ${parameters.tsize} bytes, over the limit of ${maxBytes}`,
      );
    }
    let sink = await makeSink(parameters.tsize);
    if ((options.mode ?? 'octet') === 'netascii') sink = netasciiSink(sink);
    else if (parameters.tsize !== undefined) sink = announcedSizeSink(sink, parameters.tsize, channel.label);
    const invitation = agreed.firstBlock ? undefined : encodeAck(0);
    if (invitation) channel.send(invitation);
    const total = parameters.tsize;
    const result = await receiveBlocks({
      channel,
      sink,
      parameters,
      policy: prepared.policy,
      ...(invitation ? { invitation } : {}),
      ...(agreed.firstBlock ? { firstBlock: agreed.firstBlock } : {}),
      ...(options.onProgress ? { onProgress: (bytes: number) => options.onProgress?.({ bytes, total }) } : {}),
    });
    dallyThenClose(channel, result.lastBlock, Math.min(2 * prepared.policy.timeoutMs, 3000));
    return summary(prepared, channel, agreed, result.bytes);
  });
}

function summary(prepared: Prepared, channel: Channel, agreed: Handshake, bytes: number): TftpTransferResult {
  return {
    bytes,
    server: channel.lockedPeer ?? prepared.server,
    blksize: agreed.parameters.blksize,
    windowsize: agreed.parameters.windowsize,
    tsize: agreed.parameters.tsize,
    negotiated: agreed.negotiated,
    elapsedMs: Date.now() - prepared.started,
  };
}

/** What `tftpGet` returns: the transfer's summary, as `tftpPut` returns it, and the file's bytes. */
export interface TftpGetResult extends TftpTransferResult {
  data: Uint8Array;
}

export interface TftpGetOptions extends TftpClientOptions {
  /**
   * Bytes to leave free after the file in the same buffer (`data.buffer`), for a caller that appends to
   * it in place instead of copying it; untouched, they cost address space, not resident memory.
   */
  spareBytes?: number;
}

/**
 * Reads a file into memory. Same shape as `tftpPut`: one options object in, the transfer's summary out,
 * with the bytes as `data` (where `tftpPut` takes them).
 */
export async function tftpGet(options: TftpGetOptions): Promise<TftpGetResult> {
  let sink: MemorySink | undefined;
  const maxBytes = readLimit(options);
  const spareBytes = options.spareBytes ?? 0;
  if (!Number.isSafeInteger(spareBytes) || spareBytes < 0) {
    throw new TftpError('TFTP_BAD_OPTION', `spareBytes must be a whole number of bytes, got ${spareBytes}`);
  }
  const result = await tftpRead(options, (tsize) => {
    sink = new MemorySink(maxBytes, tsize, spareBytes);
    return sink;
  });
  return { ...result, data: sink!.bytes() };
}

/** Reads a file into a Node writable; ends the stream afterwards unless `end: false`. */
export function tftpGetToStream(
  options: TftpClientOptions,
  stream: Writable,
  { end = true }: { end?: boolean } = {},
): Promise<TftpTransferResult> {
  const maxBytes = readLimit(options);
  return tftpRead(options, () => new StreamSink(stream, maxBytes, end));
}

/**
 * Reads a file into `path`, replacing it atomically when the transfer completes (a failed transfer
 * leaves the old file untouched).
 */
export function tftpGetToFile(
  options: TftpClientOptions,
  path: string,
  { mode = 0o644 }: { mode?: number } = {},
): Promise<TftpTransferResult> {
  const maxBytes = readLimit(options);
  return tftpRead(options, () => new AtomicFileSink(path, maxBytes, mode).open());
}

export type TftpPutData = Uint8Array | AsyncIterable<Uint8Array> | { path: string };

/** Writes bytes, a stream of chunks or a local file to the server (WRQ). */
export async function tftpPut(options: TftpClientOptions & { data: TftpPutData }): Promise<TftpTransferResult> {
  const { data } = options;
  let source: BlockSource;
  let size: number | undefined;
  if (data instanceof Uint8Array) {
    source = bytesSource(data);
    size = data.length;
  } else if ('path' in data) {
    const handle = await open(data.path, 'r');
    size = (await handle.stat()).size;
    source = fileSource(handle, size);
  } else {
    source = iterableSource(data);
  }
  const mode = options.mode ?? 'octet';
  if (mode === 'netascii') source = netasciiSource(source);
  try {
    const prepared = await prepare(options, 'write');
    return await withChannel(prepared, options, async (channel) => {
      const agreed = await handshake(channel, prepared, Opcode.WRQ, options, size);
      const total = mode === 'octet' ? size : undefined;
      const bytes = await sendBlocks({
        channel,
        source,
        parameters: agreed.parameters,
        policy: prepared.policy,
        ...(options.onProgress ? { onProgress: (done: number) => options.onProgress?.({ bytes: done, total }) } : {}),
      });
      channel.close();
      return summary(prepared, channel, agreed, bytes);
    });
  } finally {
    await source.close().catch(() => {});
  }
}
