/**
 * Where the packets of a sender's window come from, first time or again. A sequential source is read
 * once, so its window's packets are kept until acknowledged (windowsize x blksize). A positional source
 * keeps none: each send reads its blocks at their offset into one batch buffer of a few packets (64 KiB
 * at most), reused once the socket has sent them and let go while the sender waits for an ACK, so a
 * stalled transfer holds no block at all.
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
  /** The sender now waits for an ACK: let go of what can be read again. */
  rest(): void;
}

/** Bytes of packets one positional read fills: one preadv and a few datagrams per batch. */
const BATCH_BYTES = 64 * 1024;
/** Buffers one preadv fills, well under IOV_MAX (1024) for tiny blocks. */
const MAX_BATCH_PACKETS = 256;

function packetsPerBatch(blksize: number, windowsize: number): number {
  return Math.max(1, Math.min(windowsize, MAX_BATCH_PACKETS, Math.floor(BATCH_BYTES / (4 + blksize))));
}

/**
 * The most block bytes a sender of this kind holds at once: the server counts it against its memory
 * bound. A sequential source's whole window; a positional source's one batch.
 */
export function sendWindowBytes(kind: BlockSource['kind'], { blksize, windowsize }: TransferParameters): number {
  return kind === 'positional' ? packetsPerBatch(blksize, windowsize) * blksize : windowsize * blksize;
}

export function openSendWindow(source: BlockSource, channel: Channel, parameters: TransferParameters): SendWindow {
  return source.kind === 'positional'
    ? new RereadWindow(source, channel, parameters)
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

  rest(): void {}
}

/** A positional source's window: nothing kept; every send reads its blocks again at their offset. */
class RereadWindow implements SendWindow {
  readonly finalBlock: number;
  private readonly batch: number;
  private buffer: Uint8Array | undefined;
  /** Datagrams of the buffer the socket has not sent yet: the buffer is not refilled before they are. */
  private unsent = 0;
  private whenSent: (() => void) | undefined;
  private resting = false;

  constructor(
    private readonly source: PositionalSource,
    private readonly channel: Channel,
    private readonly parameters: TransferParameters,
  ) {
    // A size that is a multiple of blksize ends with an empty block.
    this.finalBlock = Math.floor(source.size / parameters.blksize) + 1;
    this.batch = packetsPerBatch(parameters.blksize, parameters.windowsize);
  }

  async send(from: number, to: number): Promise<number> {
    const end = Math.min(to, this.finalBlock + 1);
    for (let block = from; block < end; block += this.batch) {
      await this.sendBatch(block, Math.min(this.batch, end - block));
    }
    return Math.max(from, end);
  }

  /** Reads blocks first..first+count-1 with one positional read and hands their packets to the socket. */
  private async sendBatch(first: number, count: number): Promise<void> {
    const { blksize } = this.parameters;
    const buffer = await this.freeBuffer();
    const packets: Uint8Array[] = [];
    let expected = 0;
    for (let index = 0; index < count; index++) {
      const length = this.lengthOf(first + index);
      packets.push(buffer.subarray(index * (4 + blksize), index * (4 + blksize) + 4 + length));
      expected += length;
    }
    const position = (first - 1) * blksize;
    const read = await this.source.readAt(
      packets.map((packet) => packet.subarray(4)),
      position,
    );
    if (read !== expected) {
      const blocks = count === 1 ? `block ${first}` : `blocks ${first}..${first + count - 1}`;
      throw new TftpError(
        'TFTP_SOURCE_CHANGED',
        `the file shrank during the transfer: ${blocks} need ${expected} bytes from offset ${position}, ${read} left`,
      );
    }
    this.unsent = count;
    for (let index = 0; index < count; index++) {
      writeDataHeader(packets[index]!, (first + index) & 0xffff);
      this.channel.send(packets[index]!, undefined, this.onSent);
    }
  }

  private readonly onSent = () => {
    if (--this.unsent > 0) return;
    if (this.resting) this.buffer = undefined;
    const wake = this.whenSent;
    this.whenSent = undefined;
    wake?.();
  };

  /** The batch buffer once the socket is done with its last packets (allocated again after a rest). */
  private async freeBuffer(): Promise<Uint8Array> {
    this.resting = false;
    if (this.unsent > 0) await new Promise<void>((resolve) => (this.whenSent = resolve));
    this.buffer ??= new Uint8Array(this.batch * (4 + this.parameters.blksize));
    return this.buffer;
  }

  private lengthOf(block: number): number {
    const { blksize } = this.parameters;
    return block < this.finalBlock ? blksize : this.source.size - (this.finalBlock - 1) * blksize;
  }

  acknowledge(block: number): number {
    return Math.min(block * this.parameters.blksize, this.source.size);
  }

  rest(): void {
    this.resting = true;
    if (this.unsent === 0) this.buffer = undefined;
  }
}
