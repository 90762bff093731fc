/**
 * TFTP failures as typed InitkitErrors. An ERROR packet from the peer becomes a TftpError whose `code`
 * names the RFC 1350 error (TFTP_NOT_FOUND, TFTP_ACCESS_VIOLATION, ...) and whose `tftpCode` keeps the
 * number on the wire; local failures (timeouts, deadlines, aborts, bad packets) have codes of their own.
 */
import { InitkitError, type InitkitErrorOptions } from '@initkit/core';

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

const CODE_NAMES: Record<number, string> = {
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

  constructor(code: string, message: string, options: TftpErrorOptions = {}) {
    super(code, message, options);
    this.tftpCode = options.tftpCode;
    this.fromPeer = options.fromPeer ?? false;
  }
}

/** The InitkitError code for an RFC 1350 error number (unknown numbers map to TFTP_SERVER_ERROR). */
export function errorCodeName(tftpCode: number): string {
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
