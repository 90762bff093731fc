/**
 * TFTP failures as typed InitkitErrors. An ERROR packet from the peer becomes a TftpError whose `code`
 * names the RFC 1350 error (TFTP_NOT_FOUND, TFTP_ACCESS_VIOLATION, ...) and whose `tftpCode` keeps the
 * number on the wire; local failures (timeouts, deadlines, aborts, bad packets) have codes of their own.
 */
import { InitkitError, type InitkitErrorOptions } from '@initkit/core';

/** Every code @initkit/tftp throws, with its one-line meaning (the first nine travel in ERROR packets). */
export const TFTP_ERROR_CODES = {
  TFTP_SERVER_ERROR: 'error 0 (not defined): the peer failed for a reason it names in the message',
  TFTP_NOT_FOUND: 'error 1: the file does not exist',
  TFTP_ACCESS_VIOLATION: 'error 2: the file is outside the root, not a regular file, or not readable or writable',
  TFTP_DISK_FULL: 'error 3: the disk is full or the write is over the quota',
  TFTP_ILLEGAL_OPERATION: 'error 4: the peer sent a packet the protocol does not allow here',
  TFTP_UNKNOWN_TID: "error 5: a packet came from a port that is not this transfer's",
  TFTP_FILE_EXISTS: 'error 6: the file to write already exists',
  TFTP_NO_SUCH_USER: 'error 7: no such user',
  TFTP_OPTION_REFUSED: 'error 8: the peer refused an option (RFC 2347)',
  TFTP_BAD_PACKET: 'a datagram is malformed: too short, unterminated, an unknown opcode, a DATA block over blksize',
  TFTP_BAD_OACK: 'the server acknowledged an option the client did not ask for, or a value out of range',
  TFTP_BAD_NAME: 'a file name is empty or contains a NUL byte',
  TFTP_BAD_ADDRESS: 'a host, address or port is not one this side can use',
  TFTP_BAD_OPTION: 'an option of the client or server is out of range (blksize, timeout, windowsize, root)',
  TFTP_UNKNOWN_HOST: 'the host name does not resolve',
  TFTP_TIMEOUT: 'the peer stayed silent through every retransmission',
  TFTP_DEADLINE: 'the transfer did not complete before its deadline',
  TFTP_ABORTED: "the caller's AbortSignal ended the transfer",
  TFTP_TOO_LARGE: 'the transfer is over its byte limit, or the server sent more than the tsize it announced',
  TFTP_SOURCE_CHANGED: 'the file being sent shrank during the transfer (a block read again came back short)',
  TFTP_UNREACHABLE: 'ICMP port or host unreachable: nothing listens at the address',
  TFTP_SOCKET_ERROR: 'the UDP socket failed for another reason (the message carries the system error)',
} as const;

/** A code of `TFTP_ERROR_CODES`. */
export type TftpErrorName = keyof typeof TFTP_ERROR_CODES;

/** Error numbers of RFC 1350 and RFC 2347 as they travel in ERROR packets. */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTransferId: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionNegotiation: 8,
} as const;

const CODE_NAMES: Record<number, TftpErrorName> = {
  0: 'TFTP_SERVER_ERROR',
  1: 'TFTP_NOT_FOUND',
  2: 'TFTP_ACCESS_VIOLATION',
  3: 'TFTP_DISK_FULL',
  4: 'TFTP_ILLEGAL_OPERATION',
  5: 'TFTP_UNKNOWN_TID',
  6: 'TFTP_FILE_EXISTS',
  7: 'TFTP_NO_SUCH_USER',
  8: 'TFTP_OPTION_REFUSED',
};

export interface TftpErrorOptions extends InitkitErrorOptions {
  /** The RFC 1350 error number, when the error came from (or is sent in) an ERROR packet. */
  tftpCode?: number;
  /** True when the peer sent this error (so it is not answered with an ERROR packet of our own). */
  fromPeer?: boolean;
}

export class TftpError extends InitkitError {
  /** The error number on the wire (0..8), or undefined for local failures such as timeouts. */
  readonly tftpCode: number | undefined;
  readonly fromPeer: boolean;

  constructor(code: TftpErrorName, message: string, options: TftpErrorOptions = {}) {
    super(code, message, options);
    this.tftpCode = options.tftpCode;
    this.fromPeer = options.fromPeer ?? false;
  }
}

/** The InitkitError code for an RFC 1350 error number (unknown numbers map to TFTP_SERVER_ERROR). */
export function errorCodeName(tftpCode: number): TftpErrorName {
  return CODE_NAMES[tftpCode] ?? 'TFTP_SERVER_ERROR';
}

/** The error a peer reported in an ERROR packet. */
export function remoteError(tftpCode: number, message: string, peer: string): TftpError {
  const text = message.length > 0 ? message : 'no message';
  return new TftpError(errorCodeName(tftpCode), `${peer} sent error ${tftpCode}: ${text}`, {
    tftpCode,
    fromPeer: true,
  });
}

/** The ERROR packet (number and message) that tells the peer why a local failure ended the transfer. */
export function errorForPeer(error: unknown): { tftpCode: number; message: string } | undefined {
  if (error instanceof TftpError) {
    if (error.fromPeer) return undefined;
    if (error.code === 'TFTP_ABORTED' || error.code === 'TFTP_DEADLINE') {
      return { tftpCode: TftpErrorCode.NotDefined, message: 'transfer cancelled' };
    }
    if (error.code === 'TFTP_TIMEOUT' || error.code === 'TFTP_UNREACHABLE' || error.code === 'TFTP_SOCKET_ERROR') {
      return undefined;
    }
    return { tftpCode: error.tftpCode ?? TftpErrorCode.NotDefined, message: error.message };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return { tftpCode: TftpErrorCode.DiskFull, message: 'disk full' };
  if (code === 'EACCES' || code === 'EPERM')
    return { tftpCode: TftpErrorCode.AccessViolation, message: 'access denied' };
  return { tftpCode: TftpErrorCode.NotDefined, message: 'transfer failed' };
}
