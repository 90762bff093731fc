/**
 * @initkit/tftp: TFTP client and server for Node (RFC 1350, 2347, 2348, 2349, 7440), over node:dgram.
 */
export { type HostPort, parseHostPort, type ResolvedHost, resolveHost, TFTP_PORT } from './address.js';
export type { Endpoint } from './channel.js';
export {
  type TftpClientOptions,
  type TftpGetOptions,
  type TftpGetResult,
  type TftpProgress,
  type TftpPutData,
  type TftpTransferResult,
  tftpGet,
  tftpGetToFile,
  tftpGetToStream,
  tftpPut,
  tftpRead,
} from './client.js';
export {
  errorCodeName,
  TFTP_ERROR_CODES,
  TftpError,
  TftpErrorCode,
  type TftpErrorName,
  type TftpErrorOptions,
} from './errors.js';
export { ETHERNET_BLKSIZE, linkBlksize } from './link-blksize.js';
export { decodeNetascii, encodeNetascii, NetasciiDecoder } from './netascii.js';
export {
  acceptOack,
  clientOptions,
  DEFAULT_BLKSIZE,
  MAX_BLKSIZE,
  MAX_WINDOWSIZE,
  MIN_BLKSIZE,
  negotiateServerOptions,
  type ServerLimits,
  type TransferParameters,
} from './options.js';
export {
  type AckPacket,
  type DataPacket,
  decodePacket,
  type ErrorPacket,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  type OackPacket,
  Opcode,
  type OptionMap,
  type Packet,
  type RequestPacket,
  type TransferMode,
} from './packets.js';
export { DEFAULT_RETRANSMIT, type RetransmitPolicy } from './retransmit.js';
export {
  startTftpServer,
  type TftpServer,
  type TftpServerOptions,
  type TftpTransferEvent,
} from './server.js';
export type { BlockSink } from './sink.js';
