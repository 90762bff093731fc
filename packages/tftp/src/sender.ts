/**
 * The sending side of a transfer (a server's read, a client's write): sends a window of `windowsize`
 * DATA blocks (RFC 7440; 1 is RFC 1350's lock-step), slides it on each ACK that moves forward and
 * restarts after the acknowledged block when an ACK shows a gap. A duplicate ACK is ignored, never
 * answered with data (the Sorcerer's Apprentice bug); only a timeout resends. Block numbers wrap past
 * 65535. Memory: see send-window.ts (a file's blocks are read again, a stream's window is kept).
 */
import type { Channel } from './channel.js';
import { remoteError } from './errors.js';
import type { TransferParameters } from './options.js';
import { Opcode } from './packets.js';
import { Backoff, type RetransmitPolicy } from './retransmit.js';
import { openSendWindow } from './send-window.js';
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
  /** Most bytes of packets a positional source's read fills at once (256 KiB by default). */
  batchBytes?: number;
}

/** Sends the source to the peer; resolves with the byte count once the last block is acknowledged. */
export async function sendBlocks(options: SendOptions): Promise<number> {
  const { channel, parameters, onProgress } = options;
  const backoff = new Backoff(options.policy);

  if (options.opening) await awaitAckZero(channel, options.opening, backoff, options.policy);

  const window = openSendWindow(options.source, channel, parameters, options.batchBytes);
  let base = 1; // first block not yet acknowledged
  let next = 1; // next block to send (absolute)

  const fillWindow = async () => {
    next = await window.send(next, base + parameters.windowsize);
    window.wait(next);
  };

  await fillWindow();
  for (;;) {
    const incoming = await channel.next(backoff.timeoutMs);
    if (!incoming) {
      backoff.retransmitOrGiveUp(channel.label, () =>
        base === window.finalBlock
          ? `the last block (${base}) was not acknowledged after ${options.policy.retries} retransmissions; the peer may hold the whole file and its final ACK was lost`
          : `block ${base} not acknowledged after ${options.policy.retries} retransmissions`,
      );
      window.rest(); // a stalled peer: one packet at a time, and nothing held while it stays silent
      await window.send(base, next);
      window.rest();
      continue;
    }
    const { packet } = incoming;
    if (packet.opcode === Opcode.ERROR) throw remoteError(packet.errorCode, packet.message, channel.label);
    if (packet.opcode !== Opcode.ACK) continue;
    const highest = next - 1;
    const acked = highest - (((highest & 0xffff) - packet.block) & 0xffff);
    if (acked < base) continue; // duplicate or stale: never answered with data
    const bytesAcked = window.acknowledge(acked);
    base = acked + 1;
    backoff.reset();
    onProgress?.(bytesAcked);
    if (window.finalBlock !== 0 && acked === window.finalBlock) return bytesAcked;
    // A partial-window ACK means the blocks after it were lost: send again from there.
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
