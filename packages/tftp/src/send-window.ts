/**
 * Where the packets of a sender's window come from, first time or again. A sequential source is read
 * once, so its window's packets are kept until acknowledged (windowsize x blksize). A positional source
 * keeps no window: the packets of a run of blocks from the one to send on (a batch, 256 KiB at most) are
 * read at their offset with one positional read into one buffer, refilled once the socket has sent what
 * it holds. The batch reads ahead of a small window (lock-step does one read per 256 blocks of 512
 * bytes, not one per block) and is kept while it holds the next block to send, else let go. A silent
 * peer's retransmissions read one packet at a time and let it go after, so a stalled transfer holds
 * nothing between them.
 */
import type { Channel } from './channel.js';
import { TftpError } from './errors.js';
import type { TransferParameters } from './options.js';
import { writeDataHeader } from './packets.js';
import type { BlockSource, PositionalSource, SequentialSource } from './source.js';

export interface SendWindow {
  /** Absolute number of the last (short) block, 0 while unknown. */
  readonly finalBlock: number;
  /**
   * Sends blocks from..to-1 (absolute numbers, first time or again), none past the last; resolves with
   * the number of the block after the last one sent.
   */
  send(from: number, to: number): Promise<number>;
  /** Blocks through `block` are acknowledged: never sent again. Returns the data bytes of blocks 1..block. */
  acknowledge(block: number): number;
  /**
   * The sender waits for an ACK, then sends from `next` on (or again from the first unacknowledged block
   * if the peer stays silent): keep only what that would use.
   */
  wait(next: number): void;
  /**
   * The peer is silent: let go of what can be read again, and until an ACK comes, read one packet at a
   * time (a retransmission to a peer that may be gone is not worth a batch).
   */
  rest(): void;
}

/** Bytes of packets one positional read fills by default: four of the largest blocks (fewer reads and
 * waits for the socket per window were measured as fast as the old sequential 256 KiB reads). */
export const DEFAULT_BATCH_BYTES = 256 * 1024;
/** Buffers one preadv fills, well under IOV_MAX (1024) for tiny blocks. */
const MAX_BATCH_PACKETS = 256;

/** Packets in a positional batch of at most `batchBytes` (one at least). */
function packetsPerBatch(blksize: number, batchBytes: number): number {
  return Math.max(1, Math.min(MAX_BATCH_PACKETS, Math.floor(batchBytes / (4 + blksize))));
}

/**
 * The most block bytes a sender holds at once, which the server counts against its memory bound: a
 * sequential source's whole window, a positional source's batch.
 */
export function sendWindowBytes(
  kind: BlockSource['kind'],
  { blksize, windowsize }: TransferParameters,
  batchBytes = DEFAULT_BATCH_BYTES,
): number {
  return kind === 'positional' ? packetsPerBatch(blksize, batchBytes) * blksize : windowsize * blksize;
}

export function openSendWindow(
  source: BlockSource,
  channel: Channel,
  parameters: TransferParameters,
  batchBytes = DEFAULT_BATCH_BYTES,
): SendWindow {
  return source.kind === 'positional'
    ? new RereadWindow(source, channel, parameters.blksize, packetsPerBatch(parameters.blksize, batchBytes))
    : new KeptWindow(source, channel, parameters.blksize);
}

/** A sequential source's window: each block read once, its packet kept until acknowledged. */
class KeptWindow implements SendWindow {
  finalBlock = 0;
  /** Packets of blocks base..base+length-1. */
  private readonly packets: Uint8Array[] = [];
  private base = 1;
  private bytesAcked = 0;

  constructor(
    private readonly source: SequentialSource,
    private readonly channel: Channel,
    private readonly blksize: number,
  ) {}

  async send(from: number, to: number): Promise<number> {
    let block = from;
    for (; block < to && (this.finalBlock === 0 || block <= this.finalBlock); block++) {
      this.channel.send(this.packets[block - this.base] ?? (await this.readNext(block)));
    }
    return block;
  }

  /** The packet of `block`, the one after the last kept (blocks are read in order). */
  private async readNext(block: number): Promise<Uint8Array> {
    const packet = new Uint8Array(4 + this.blksize);
    const count = await this.source.read(packet.subarray(4));
    if (count < this.blksize) this.finalBlock = block;
    writeDataHeader(packet, block & 0xffff);
    const sized = count < this.blksize ? packet.subarray(0, 4 + count) : packet;
    this.packets.push(sized);
    return sized;
  }

  acknowledge(block: number): number {
    for (const packet of this.packets.splice(0, block - this.base + 1)) this.bytesAcked += packet.length - 4;
    this.base = block + 1;
    return this.bytesAcked;
  }

  wait(): void {}

  rest(): void {}
}

/** A positional source's window: no packet kept for its own sake; blocks are read again at their offset. */
class RereadWindow implements SendWindow {
  readonly finalBlock: number;
  private buffer: Uint8Array | undefined;
  /** The blocks whose packets the buffer holds: first..first+count-1. */
  private first = 0;
  private count = 0;
  /** Datagrams of the buffer the socket has not sent yet: the buffer is not refilled before they are. */
  private unsent = 0;
  private whenSent: (() => void) | undefined;
  private resting = false;
  /** No ACK since the last rest(): fill one packet at a time. */
  private silent = false;

  constructor(
    private readonly source: PositionalSource,
    private readonly channel: Channel,
    private readonly blksize: number,
    private readonly batch: number,
  ) {
    // A size that is a multiple of blksize ends with an empty block.
    this.finalBlock = Math.floor(source.size / blksize) + 1;
  }

  async send(from: number, to: number): Promise<number> {
    const end = Math.min(to, this.finalBlock + 1);
    this.resting = false;
    for (let block = from; block < end; block++) {
      if (block < this.first || block >= this.first + this.count) await this.fill(block);
      const offset = (block - this.first) * (4 + this.blksize);
      this.unsent++;
      this.channel.send(this.buffer!.subarray(offset, offset + 4 + this.lengthOf(block)), undefined, this.onSent);
    }
    return Math.max(from, end);
  }

  /** Reads the packets of the batch from block `first` on with one positional read. */
  private async fill(first: number): Promise<void> {
    if (this.unsent > 0) await new Promise<void>((resolve) => (this.whenSent = resolve));
    const { blksize } = this;
    const batch = this.silent ? 1 : this.batch;
    if (!this.buffer || this.buffer.length < batch * (4 + blksize)) this.buffer = new Uint8Array(batch * (4 + blksize));
    this.count = 0; // nothing valid in the buffer until the read succeeds
    const count = Math.min(batch, this.finalBlock - first + 1);
    const targets: Uint8Array[] = [];
    let expected = 0;
    for (let index = 0; index < count; index++) {
      const start = index * (4 + blksize);
      writeDataHeader(this.buffer.subarray(start), (first + index) & 0xffff);
      targets.push(this.buffer.subarray(start + 4, start + 4 + this.lengthOf(first + index)));
      expected += targets[index]!.length;
    }
    const position = (first - 1) * blksize;
    const read = await this.source.readAt(targets, position);
    if (read !== expected) {
      const blocks = count === 1 ? `block ${first} needs` : `blocks ${first}..${first + count - 1} need`;
      throw new TftpError(
        'TFTP_SOURCE_CHANGED',
        `the file shrank during the transfer: ${blocks} ${expected} bytes from offset ${position}, ${read} left`,
      );
    }
    this.first = first;
    this.count = count;
  }

  private readonly onSent = () => {
    if (--this.unsent > 0) return;
    if (this.resting) this.letGo();
    const wake = this.whenSent;
    this.whenSent = undefined;
    wake?.();
  };

  private lengthOf(block: number): number {
    return block < this.finalBlock ? this.blksize : this.source.size - (this.finalBlock - 1) * this.blksize;
  }

  acknowledge(block: number): number {
    this.silent = false;
    return Math.min(block * this.blksize, this.source.size);
  }

  wait(next: number): void {
    // The batch read ahead of a small window is kept for the next one; a large window's last blocks are not.
    if (next < this.first || next >= this.first + this.count) this.letGoWhenSent();
  }

  rest(): void {
    this.silent = true;
    this.letGoWhenSent();
  }

  private letGoWhenSent(): void {
    this.resting = true;
    if (this.unsent === 0) this.letGo();
  }

  private letGo(): void {
    this.buffer = undefined;
    this.count = 0;
  }
}
