/**
 * The sending side of a transfer (a server's read, a client's write): sends a window of `windowsize`
 * DATA blocks (RFC 7440; 1 is RFC 1350's lock-step), slides it on each ACK that moves forward and
 * restarts after the acknowledged block when an ACK shows a gap. A duplicate ACK is ignored, never
 * answered with data (the Sorcerer's Apprentice bug); only a timeout resends. Block numbers wrap past
 * 65535. Memory is the window's packets, no more.
 */
import type { Channel } from './channel.js';
import { remoteError } from './errors.js';
import type { TransferParameters } from './options.js';
import { Opcode, writeDataHeader } from './packets.js';
import { Backoff, type RetransmitPolicy } from './retransmit.js';
import type { BlockSource } from './source.js';

export interface SendOptions {
  channel: Channel;
  source: BlockSource;
  parameters: TransferParameters;
  policy: RetransmitPolicy;
  /** Sent first and resent until ACK 0 comes back (a server's OACK). */
  opening?: Uint8Array;
  /** Called as acknowledgements arrive, with the bytes the peer has confirmed. */
  onProgress?: (bytes: number) => void;
}

/** Sends the source to the peer; resolves with the byte count once the last block is acknowledged. */
export async function sendBlocks(options: SendOptions): Promise<number> {
  const { channel, source, parameters, onProgress } = options;
  const { blksize, windowsize } = parameters;
  const backoff = new Backoff(options.policy);

  if (options.opening) await awaitAckZero(channel, options.opening, backoff, options.policy);

  /** Packets of blocks base..sent-1, kept for retransmission; index = absolute block - base. */
  const window: Uint8Array[] = [];
  let base = 1; // first block not yet acknowledged
  let next = 1; // next block to send (absolute)
  let finalBlock = 0; // absolute number of the short last block once read; 0 until then
  let bytesAcked = 0;

  const packetFor = async (block: number): Promise<Uint8Array> => {
    const cached = window[block - base];
    if (cached) return cached;
    const packet = new Uint8Array(4 + blksize);
    const count = await source.read(packet.subarray(4));
    if (count < blksize) finalBlock = block;
    writeDataHeader(packet, block & 0xffff);
    const sized = count < blksize ? packet.subarray(0, 4 + count) : packet;
    window.push(sized);
    return sized;
  };

  const fillWindow = async () => {
    while (next < base + windowsize && (finalBlock === 0 || next <= finalBlock)) {
      channel.send(await packetFor(next));
      next++;
    }
  };

  await fillWindow();
  for (;;) {
    const incoming = await channel.next(backoff.timeoutMs);
    if (!incoming) {
      backoff.retransmitOrGiveUp(channel.label, () =>
        base === finalBlock
          ? `the last block (${base}) was not acknowledged after ${options.policy.retries} retransmissions; the peer may hold the whole file and its final ACK was lost`
          : `block ${base} not acknowledged after ${options.policy.retries} retransmissions`,
      );
      for (let block = base; block < next; block++) channel.send(window[block - base]!);
      continue;
    }
    const { packet } = incoming;
    if (packet.opcode === Opcode.ERROR) throw remoteError(packet.errorCode, packet.message, channel.label);
    if (packet.opcode !== Opcode.ACK) continue;
    const highest = next - 1;
    const acked = highest - (((highest & 0xffff) - packet.block) & 0xffff);
    if (acked < base) continue; // duplicate or stale: never answered with data
    for (let block = base; block <= acked; block++) bytesAcked += window[block - base]!.length - 4;
    window.splice(0, acked - base + 1);
    base = acked + 1;
    backoff.reset();
    onProgress?.(bytesAcked);
    if (finalBlock !== 0 && acked === finalBlock) return bytesAcked;
    // A partial-window ACK means the blocks after it were lost: send again from there (from the window).
    if (acked < highest) next = acked + 1;
    await fillWindow();
  }
}

async function awaitAckZero(
  channel: Channel,
  opening: Uint8Array,
  backoff: Backoff,
  policy: RetransmitPolicy,
): Promise<void> {
  channel.send(opening);
  for (;;) {
    const incoming = await channel.next(backoff.timeoutMs);
    if (!incoming) {
      backoff.retransmitOrGiveUp(
        channel.label,
        () => `option acknowledgement not answered after ${policy.retries} retransmissions`,
      );
      channel.send(opening);
      continue;
    }
    const { packet } = incoming;
    if (packet.opcode === Opcode.ERROR) throw remoteError(packet.errorCode, packet.message, channel.label);
    if (packet.opcode === Opcode.ACK && packet.block === 0) {
      backoff.reset();
      return;
    }
  }
}
