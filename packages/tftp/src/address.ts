/**
 * Host and port handling: `HOST[:PORT]` as people type it (IPv6 in brackets), name resolution to one
 * address, and the UDP socket type that matches its family.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TftpError } from './errors.js';

export const TFTP_PORT = 69;

export interface HostPort {
  host: string;
  port: number | undefined;
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. Throws TFTP_BAD_ADDRESS. */
export function parseHostPort(text: string): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: parsePort(bracketed[2], text) };
  if (isIP(text) === 6) return { host: text, port: undefined };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: requireHost(text), port: undefined };
  return { host: requireHost(text.slice(0, colon)), port: parsePort(text.slice(colon + 1), text) };
}

function requireHost(host: string): string {
  if (host.length === 0 || /[\s/]/.test(host)) {
    throw new TftpError('TFTP_BAD_ADDRESS', `expected a host name or address, found ${JSON.stringify(host)}`);
  }
  return host;
}

function parsePort(text: string | undefined, whole: string): number | undefined {
  if (text === undefined) return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new TftpError('TFTP_BAD_ADDRESS', `expected a port from 1 to 65535 in ${JSON.stringify(whole)}`);
  }
  return port;
}

export interface ResolvedHost {
  address: string;
  family: 4 | 6;
}

/** Resolves a name or literal to one address (the system resolver's first answer). */
export async function resolveHost(host: string, family?: 4 | 6): Promise<ResolvedHost> {
  const literal = isIP(host);
  if (literal === 4 || literal === 6) {
    if (family !== undefined && family !== literal) {
      throw new TftpError('TFTP_BAD_ADDRESS', `${host} is an IPv${literal} address, but IPv${family} was asked for`);
    }
    return { address: host, family: literal };
  }
  try {
    const found = await lookup(host, family === undefined ? {} : { family });
    return { address: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (error) {
    throw new TftpError('TFTP_UNKNOWN_HOST', `cannot resolve ${JSON.stringify(host)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
