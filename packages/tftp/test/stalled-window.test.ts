/**
 * A stalled octet read costs little: the server keeps no window of packets but reads the blocks it
 * retransmits again from the file at their offset. So stalled transfers hold almost no buffers, each
 * counts one batch (not its window) against maxMemoryBytes, a retransmitted block is still the file's
 * bytes, and a file that shrinks under a stalled transfer ends it with an error instead of short blocks.
 * (The sender used to keep every packet of its window until acknowledged: 4 MiB per stalled transfer.)
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { startTftpServer, type TftpServer } from '../src/index.js';

const temp = useTempDir('initkit-tftp-stalled-');
const FILE_SIZE = 16 << 20;
const BIG_WINDOW = { blksize: '65464', windowsize: '64' };

/**
 * A client driven by hand: it asks, acknowledges what the test says, and records every datagram (DATA
 * only by its header when `headersOnly`, so the client's own memory does not count as the server's).
 */
class HandClient {
  readonly socket: Socket = createSocket('udp4');
  readonly received: Buffer[] = [];
  server: RemoteInfo | undefined;
  private waiters: Array<() => void> = [];

  constructor(headersOnly = false) {
    this.socket.on('message', (message, remote) => {
      this.server ??= remote;
      const data = message.readUInt16BE(0) === 3;
      this.received.push(headersOnly && data ? Buffer.from(message.subarray(0, 4)) : message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  request(port: number, file: string, options: Record<string, string>, mode = 'octet'): void {
    const parts = [file, mode, ...Object.entries(options).flat()];
    const rrq = Buffer.concat([Buffer.from([0, 1]), ...parts.map((part) => Buffer.from(`${part}\0`))]);
    this.socket.send(rrq, port, '127.0.0.1');
  }

  ack(block: number): void {
    const packet = Buffer.from([0, 4, (block >> 8) & 0xff, block & 0xff]);
    this.socket.send(packet, this.server!.port, this.server!.address);
  }

  /** Resolves once a datagram satisfies `test` (checked against those already received too). */
  async until(test: (received: Buffer[]) => boolean): Promise<void> {
    while (!test(this.received)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The first answer's options (an OACK) or error message. */
  answer(): { opcode: number; options: Record<string, string>; message: string } {
    const first = this.received[0]!;
    const opcode = first.readUInt16BE(0);
    const fields = first
      .subarray(opcode === 5 ? 4 : 2)
      .toString('latin1')
      .split('\0');
    const options: Record<string, string> = {};
    if (opcode === 6)
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]) options[fields[i]!] = fields[i + 1]!;
    return { opcode, options, message: opcode === 5 ? fields[0]! : '' };
  }

  close(): void {
    this.socket.close();
  }
}

const dataBlocks = (received: Buffer[], block: number) =>
  received.filter((message) => message.readUInt16BE(0) === 3 && message.readUInt16BE(2) === block);

/** The first retransmission has begun: block 1 came twice, so the whole first window was sent before. */
const retransmitting = (received: Buffer[]) => dataBlocks(received, 1).length >= 2;

/** A full collection, so that only what is still referenced counts. */
async function collectedArrayBuffers(): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().arrayBuffers;
}

describe('a stalled octet read', () => {
  let root: string;
  let file: Buffer;
  const clients: HandClient[] = [];
  const servers: TftpServer[] = [];

  const serve = async (options: { maxMemoryBytes?: number } = {}) => {
    const server = await startTftpServer({ root, port: 0, address: '127.0.0.1', timeout: 300, ...options });
    servers.push(server);
    return server;
  };
  const client = (headersOnly = false) => {
    const made = new HandClient(headersOnly);
    clients.push(made);
    return made;
  };

  beforeAll(() => {
    root = temp();
    file = randomBytes(FILE_SIZE);
    writeFileSync(join(root, 'big'), file);
  });
  afterEach(async () => {
    for (const made of clients.splice(0)) made.close();
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(() => {
    file = Buffer.alloc(0);
  });

  it('holds no window: 8 stalled transfers of 64 x 65464-byte windows keep under 8 MiB of buffers', async () => {
    const server = await serve();
    const before = await collectedArrayBuffers();
    const stalled = Array.from({ length: 8 }, () => client(true));
    for (const made of stalled) {
      made.request(server.port, 'big', BIG_WINDOW);
      await made.until((received) => received.length > 0);
      expect(made.answer().options).toMatchObject(BIG_WINDOW);
      made.ack(0); // then never another ACK
    }
    for (const made of stalled) await made.until(retransmitting);
    const held = (await collectedArrayBuffers()) - before;
    // Keeping the windows would be 8 x 64 x 65468 bytes (33.5 MB); a batch each is at most 8 x 256 KiB,
    // and a transfer that has retransmitted lets go of it.
    expect(held).toBeLessThan(8 << 20);
    expect(server.activeTransfers).toBe(8);
  });

  it('counts one batch, not its window, against maxMemoryBytes: 8 clients get 4 MiB windows under a 4 MiB bound', async () => {
    const server = await serve({ maxMemoryBytes: 4 << 20 });
    for (let index = 0; index < 8; index++) {
      const made = client(true);
      made.request(server.port, 'big', BIG_WINDOW);
      await made.until((received) => received.length > 0);
      expect(made.answer().opcode).toBe(6);
      expect(made.answer().options).toMatchObject(BIG_WINDOW);
      made.ack(0);
    }
    expect(server.activeTransfers).toBe(8);
  });

  it('retransmits the file bytes of every block after a stall, then completes', async () => {
    const server = await serve();
    const made = client();
    const blksize = 1024;
    const windowsize = 8;
    made.request(server.port, 'big', { blksize: String(blksize), windowsize: String(windowsize) });
    await made.until((received) => received.length > 0);
    made.ack(0);
    // The first window is ignored: the transfer stalls once, then its blocks come again.
    const dataSoFar = () => made.received.filter((message) => message.readUInt16BE(0) === 3);
    await made.until(() => dataSoFar().length >= 2 * windowsize);
    const resent = dataSoFar().slice(windowsize);
    for (let block = 1; block <= windowsize; block++) {
      const packet = resent.find((message) => message.readUInt16BE(2) === block)!;
      expect(packet, `block ${block} was sent again`).toBeDefined();
      expect(packet.subarray(4).equals(file.subarray((block - 1) * blksize, block * blksize))).toBe(true);
    }
    // A gap: acknowledge 3 of the 8, so 4 onwards are read and sent again, then 3 more windows in order.
    made.received.length = 0;
    made.ack(3);
    for (let upTo = 3 + windowsize; upTo <= 3 + 4 * windowsize; upTo += windowsize) {
      await made.until((received) => dataBlocks(received, upTo).length > 0);
      made.ack(upTo);
    }
    for (let block = 4; block <= 3 + 4 * windowsize; block++) {
      const packet = dataBlocks(made.received, block)[0]!;
      expect(packet.subarray(4).equals(file.subarray((block - 1) * blksize, block * blksize))).toBe(true);
    }
  });

  it('ends with an error packet saying the file shrank, not short blocks, when it shrinks during a stall', async () => {
    const shrinking = join(root, 'shrinking');
    writeFileSync(shrinking, file.subarray(0, 1 << 20));
    const server = await serve();
    const made = client();
    made.request(server.port, 'shrinking', { blksize: '1024', windowsize: '8' });
    await made.until((received) => received.length > 0);
    made.ack(0);
    await made.until((received) => dataBlocks(received, 8).length > 0);
    truncateSync(shrinking, 4096); // blocks 5..8 are gone before the window is sent again
    await made.until((received) => received.some((message) => message.readUInt16BE(0) === 5));
    const error = made.received.find((message) => message.readUInt16BE(0) === 5)!;
    expect(error.subarray(4).toString('latin1')).toContain(
      'the file shrank during the transfer: block 5 needs 1024 bytes from offset 4096, 0 left',
    );
    expect(error.subarray(4).toString('latin1')).not.toContain(root);
  });
});
