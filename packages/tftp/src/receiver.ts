/**
 * The receiving side of a transfer (a client's read, a server's write): takes DATA blocks in order,
 * acknowledges every `windowsize` blocks (RFC 7440) and the last one, follows block numbers past 65535,
 * and re-acknowledges only what needs it: a gap gets one ACK of the last block in order, and duplicates
 * get at most one re-ACK per quarter timeout, so a duplicated packet never sets off a duplicated burst.
 */
import type { Channel } from './channel.js';
import { remoteError, TftpError, TftpErrorCode } from './errors.js';
import type { TransferParameters } from './options.js';
import { type DataPacket, encodeAck, Opcode } from './packets.js';
import { Backoff, type RetransmitPolicy } from './retransmit.js';
import type { BlockSink } from './sink.js';

export interface ReceiveOptions {
  channel: Channel;
  sink: BlockSink;
  parameters: TransferParameters;
  policy: RetransmitPolicy;
  /** What asked for block 1 (ACK 0 or an OACK), resent while block 1 does not come. */
  invitation?: Uint8Array;
  /** Block 1 when it already arrived (a server that answered a read request without an OACK). */
  firstBlock?: DataPacket;
  /** Called after each block with the bytes received so far. */
  onProgress?: (bytes: number) => void;
}

export interface ReceiveResult {
  /** Bytes received on the wire. */
  bytes: number;
  /** The wire number of the last block, for dallying. */
  lastBlock: number;
}

/** Receives blocks until the short one; the sink is ended before this resolves. */
export async function receiveBlocks(options: ReceiveOptions): Promise<ReceiveResult> {
  const { channel, sink, parameters, onProgress } = options;
  const { blksize, windowsize } = parameters;
  const backoff = new Backoff(options.policy);
  const duplicateGuardMs = options.policy.timeoutMs / 4;
  let expected = 1; // absolute number of the next block wanted
  let received = 0;
  let sinceAck = 0;
  let lastAck: Uint8Array | undefined = options.invitation;
  let lastAckAt = Date.now();
  let gapReportedFor = 0;

  const acknowledge = () => {
    lastAck = encodeAck((expected - 1) & 0xffff);
    channel.send(lastAck);
    lastAckAt = Date.now();
    sinceAck = 0;
  };

  const accept = async (data: Uint8Array): Promise<boolean> => {
    if (data.length > blksize) {
      throw new TftpError(
        'TFTP_BAD_PACKET',
        `block ${expected} is ${data.length} bytes, over the blksize of ${blksize}`,
        {
          tftpCode: TftpErrorCode.IllegalOperation,
        },
      );
    }
    const pending = sink.write(data);
    if (pending) await pending;
    expected++;
    received += data.length;
    sinceAck++;
    backoff.reset();
    onProgress?.(received);
    const last = data.length < blksize;
    // The final ACK goes out only once the sink holds everything (a file is in place), so the sender's
    // success means the data is stored.
    if (last) await sink.end();
    if (last || sinceAck >= windowsize) acknowledge();
    return last;
  };

  try {
    let done = options.firstBlock ? await accept(options.firstBlock.data) : false;
    while (!done) {
      const incoming = await channel.next(backoff.timeoutMs);
      if (!incoming) {
        backoff.retransmitOrGiveUp(
          channel.label,
          () => `no block ${expected} after ${options.policy.retries} retransmissions (${received} bytes received)`,
        );
        // Say where we are: the last block in order, or the invitation again if block 1 never came.
        if (expected > 1) acknowledge();
        else if (lastAck) channel.send(lastAck);
        lastAckAt = Date.now();
        continue;
      }
      const { packet } = incoming;
      if (packet.opcode === Opcode.DATA) {
        const wanted = expected & 0xffff;
        if (packet.block === wanted) {
          done = await accept(packet.data);
          continue;
        }
        const behind = (wanted - packet.block) & 0xffff;
        if (behind >= 1 && behind <= 0x8000) {
          // A block we already have: the sender missed our ACK, or the network duplicated it.
          if (lastAck && Date.now() - lastAckAt >= duplicateGuardMs) {
            channel.send(lastAck);
            lastAckAt = Date.now();
            sinceAck = 0;
          }
        } else if (gapReportedFor !== expected && expected > 1) {
          // A block from further on: one went missing. Ask once for a restart after the last in order.
          gapReportedFor = expected;
          acknowledge();
        }
      } else if (packet.opcode === Opcode.ERROR) {
        throw remoteError(packet.errorCode, packet.message, channel.label);
      } else if (packet.opcode === Opcode.OACK && expected === 1) {
        // The OACK again: our ACK 0 was lost.
        if (lastAck) channel.send(lastAck);
        lastAckAt = Date.now();
      }
    }
    return { bytes: received, lastBlock: (expected - 1) & 0xffff };
  } catch (error) {
    await sink.abort().catch(() => {});
    throw error;
  }
}

/**
 * After the final ACK, answers a retransmitted final block for a while (RFC 1350's dally), then closes
 * the channel. Runs in the background; never holds the process open.
 */
export function dallyThenClose(channel: Channel, lastBlock: number, dallyMs: number): void {
  channel.runInBackground();
  const finalAck = encodeAck(lastBlock);
  const endAt = Date.now() + dallyMs;
  const loop = async () => {
    for (;;) {
      const left = endAt - Date.now();
      if (left <= 0) return;
      const incoming = await channel.next(left);
      if (!incoming) return;
      if (incoming.packet.opcode === Opcode.DATA && incoming.packet.block === lastBlock) channel.send(finalAck);
    }
  };
  loop()
    .catch(() => {})
    .finally(() => channel.close());
}
