/**
 * Option negotiation (RFC 2347): blksize (RFC 2348), timeout and tsize (RFC 2349), windowsize (RFC 7440),
 * and tftpd-hpa's utimeout (microseconds). The client builds its request from what it wants; the server
 * answers a request with what it accepts; the client checks the server's OACK against what it asked.
 */
import { TftpError } from './errors.js';
import type { OptionMap, TransferMode } from './packets.js';

export const DEFAULT_BLKSIZE = 512;
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
export const MAX_WINDOWSIZE = 65535;
export const MIN_TIMEOUT_SECONDS = 1;
export const MAX_TIMEOUT_SECONDS = 255;
/** tftpd-hpa's utimeout bounds, in microseconds. */
export const MIN_UTIMEOUT = 10_000;
export const MAX_UTIMEOUT = 255_000_000;

/** What a transfer runs with once negotiation is over. */
export interface TransferParameters {
  blksize: number;
  windowsize: number;
  /** The retransmission interval the peer asked for, in milliseconds (timeout/utimeout options). */
  timeoutMs: number | undefined;
  /** The transfer size from the tsize option, when the peer sent one. */
  tsize: number | undefined;
}

export const PLAIN_PARAMETERS: Readonly<TransferParameters> = Object.freeze({
  blksize: DEFAULT_BLKSIZE,
  windowsize: 1,
  timeoutMs: undefined,
  tsize: undefined,
});

/** Parses a decimal option value; undefined unless it is all digits and within [min, max]. */
export function parseOptionNumber(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  const number = Number(value);
  return number >= min && number <= max ? number : undefined;
}

export interface ClientOptionRequest {
  blksize: number | undefined;
  windowsize: number | undefined;
  timeoutMs: number | undefined;
  /** Ask for the size (read) or announce it (write); undefined leaves tsize out. */
  tsize: number | undefined;
}

/** The option list a client sends in its RRQ or WRQ. */
export function clientOptions(request: ClientOptionRequest): [string, string][] {
  const options: [string, string][] = [];
  if (request.blksize !== undefined && request.blksize !== DEFAULT_BLKSIZE) {
    options.push(['blksize', String(request.blksize)]);
  }
  if (request.tsize !== undefined) options.push(['tsize', String(request.tsize)]);
  if (request.timeoutMs !== undefined) {
    const seconds = Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, Math.round(request.timeoutMs / 1000)));
    if (seconds * 1000 === request.timeoutMs) {
      options.push(['timeout', String(seconds)]);
    } else {
      const micro = Math.min(MAX_UTIMEOUT, Math.max(MIN_UTIMEOUT, Math.round(request.timeoutMs * 1000)));
      options.push(['utimeout', String(micro)]);
    }
  }
  if (request.windowsize !== undefined && request.windowsize > 1) {
    options.push(['windowsize', String(request.windowsize)]);
  }
  return options;
}

/**
 * Checks the server's OACK against what the client asked for (RFC 2347: a server may only acknowledge
 * options that were requested, and may only lower blksize and windowsize). Throws TFTP_BAD_OACK.
 */
export function acceptOack(oack: OptionMap, requested: [string, string][], peer: string): TransferParameters {
  const asked = new Map(requested);
  const parameters: TransferParameters = { ...PLAIN_PARAMETERS };
  for (const [name, value] of oack) {
    const askedValue = asked.get(name);
    const refuse = (why: string) =>
      new TftpError('TFTP_BAD_OACK', `${peer} acknowledged ${name}=${JSON.stringify(value)}: ${why}`);
    if (askedValue === undefined) throw refuse('the client did not request that option');
    switch (name) {
      case 'blksize': {
        const blksize = parseOptionNumber(value, MIN_BLKSIZE, Number(askedValue));
        if (blksize === undefined) throw refuse(`expected a number from ${MIN_BLKSIZE} to ${askedValue}`);
        parameters.blksize = blksize;
        break;
      }
      case 'windowsize': {
        const windowsize = parseOptionNumber(value, 1, Number(askedValue));
        if (windowsize === undefined) throw refuse(`expected a number from 1 to ${askedValue}`);
        parameters.windowsize = windowsize;
        break;
      }
      case 'tsize': {
        const tsize = parseOptionNumber(value, 0, Number.MAX_SAFE_INTEGER);
        if (tsize === undefined) throw refuse('expected a size in bytes');
        parameters.tsize = tsize;
        break;
      }
      case 'timeout':
      case 'utimeout':
        if (value !== askedValue) throw refuse(`expected the requested value ${askedValue}`);
        parameters.timeoutMs = name === 'timeout' ? Number(value) * 1000 : Number(value) / 1000;
        break;
      default:
        throw refuse('unknown option');
    }
  }
  return parameters;
}

export interface ServerLimits {
  maxBlksize: number;
  maxWindowsize: number;
  /** Bytes one transfer may keep in its window (caps windowsize x blksize). */
  maxWindowBytes: number;
  /** Longest timeout/utimeout acknowledged, in ms; a longer one is left out of the OACK. */
  maxTimeoutMs?: number;
}

export interface ServerNegotiation {
  /** The options to put in the OACK, in request order; empty means answer without an OACK. */
  acknowledged: [string, string][];
  parameters: TransferParameters;
}

/**
 * The server's answer to a request's options. Values it cannot use are left out of the OACK, which tells
 * the client to run without them (RFC 2347). `size` is the file's size for a read (tsize is answered only
 * in octet mode, as tftpd-hpa does); for a write the client's announced tsize is taken as given.
 */
export function negotiateServerOptions(
  options: OptionMap,
  mode: TransferMode,
  size: number | undefined,
  limits: ServerLimits,
): ServerNegotiation {
  const acknowledged: [string, string][] = [];
  const parameters: TransferParameters = { ...PLAIN_PARAMETERS };
  for (const [name, value] of options) {
    switch (name) {
      case 'blksize': {
        const blksize = parseOptionNumber(value, MIN_BLKSIZE, Number.MAX_SAFE_INTEGER);
        if (blksize === undefined) break;
        // Within the window budget too: a server short of memory offers smaller blocks.
        parameters.blksize = Math.min(blksize, limits.maxBlksize, MAX_BLKSIZE, Math.max(512, limits.maxWindowBytes));
        acknowledged.push([name, String(parameters.blksize)]);
        break;
      }
      case 'windowsize': {
        const windowsize = parseOptionNumber(value, 1, MAX_WINDOWSIZE);
        if (windowsize === undefined) break;
        parameters.windowsize = windowsize;
        acknowledged.push([name, value]);
        break;
      }
      case 'tsize': {
        const announced = parseOptionNumber(value, 0, Number.MAX_SAFE_INTEGER);
        if (announced === undefined) break;
        if (size !== undefined) {
          if (mode !== 'octet') break;
          parameters.tsize = size;
          acknowledged.push([name, String(size)]);
        } else {
          parameters.tsize = announced;
          acknowledged.push([name, value]);
        }
        break;
      }
      case 'timeout': {
        const seconds = parseOptionNumber(value, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
        if (seconds === undefined || seconds * 1000 > (limits.maxTimeoutMs ?? Number.POSITIVE_INFINITY)) break;
        parameters.timeoutMs = seconds * 1000;
        acknowledged.push([name, value]);
        break;
      }
      case 'utimeout': {
        const micro = parseOptionNumber(value, MIN_UTIMEOUT, MAX_UTIMEOUT);
        if (micro === undefined || micro / 1000 > (limits.maxTimeoutMs ?? Number.POSITIVE_INFINITY)) break;
        parameters.timeoutMs = micro / 1000;
        acknowledged.push([name, value]);
        break;
      }
    }
  }
  // Bound the memory a window holds: lower the acknowledged windowsize when blksize x windowsize is too big.
  const windowLimit = Math.max(
    1,
    Math.min(limits.maxWindowsize, Math.floor(limits.maxWindowBytes / parameters.blksize)),
  );
  if (parameters.windowsize > windowLimit) {
    parameters.windowsize = windowLimit;
    const entry = acknowledged.find(([name]) => name === 'windowsize');
    if (entry) entry[1] = String(windowLimit);
  }
  return { acknowledged, parameters };
}
