/**
 * Protocol rules checked against scripted peers on raw sockets, where the exact datagrams can be
 * counted: no duplicate burst answers a duplicate ACK or DATA (Sorcerer's Apprentice), packets from a
 * foreign transfer ID get ERROR 5 without disturbing the transfer, a server that ignores or refuses
 * options is handled, and a gap in a window is reported once.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  Opcode,
  type Packet,
  startTftpServer,
  tftpGet,
} from '../src/index.js';

interface Received {
  packet: Packet;
  from: RemoteInfo;
}

/** A raw UDP socket that records what it receives. */
class RawPeer {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (message, from) => {
      const packet = decodePacket(message);
      // The client's reachability probe (src/unreachable-probe.ts): an empty ERROR 0 a server ignores.
      if (packet.opcode === Opcode.ERROR && packet.errorCode === 0 && packet.message === '') return;
      this.received.push({ packet, from });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const peer = new RawPeer(socket);
    peers.push(peer);
    return peer;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(packet: Uint8Array, port: number): void {
    this.socket.send(packet, port, '127.0.0.1');
  }

  /** Waits until `count` packets have arrived in total (at most two seconds). */
  async waitFor(count: number): Promise<Received> {
    const deadline = Date.now() + 2000;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} packets, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received[count - 1]!;
  }

  close(): void {
    this.socket.close();
  }
}

const peers: RawPeer[] = [];
afterEach(() => {
  for (const peer of peers.splice(0)) peer.close();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const block = (n: number, size = 512) => encodeData(n, new Uint8Array(size).fill(n & 0xff));

describe('server side', () => {
  it("does not answer a duplicate ACK with data (Sorcerer's Apprentice)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'initkit-tftp-proto-'));
    writeFileSync(join(root, 'file'), new Uint8Array(512 * 4));
    const server = await startTftpServer({ root, port: 0, address: '127.0.0.1', timeout: 1000 });
    try {
      const client = await RawPeer.open();
      client.send(encodeRequest(Opcode.RRQ, 'file', 'octet'), server.port);
      const first = await client.waitFor(1);
      expect(first.packet).toMatchObject({ opcode: Opcode.DATA, block: 1 });
      for (let i = 0; i < 3; i++) client.send(encodeAck(1), first.from.port);
      await pause(300);
      const data = client.received.filter((r) => r.packet.opcode === Opcode.DATA);
      expect(data.map((r) => (r.packet as { block: number }).block)).toEqual([1, 2]);
    } finally {
      await server.close();
    }
  });

  it('answers a packet from a foreign port with ERROR 5 and goes on', async () => {
    const root = mkdtempSync(join(tmpdir(), 'initkit-tftp-proto-'));
    writeFileSync(join(root, 'file'), new Uint8Array(700));
    const server = await startTftpServer({ root, port: 0, address: '127.0.0.1' });
    try {
      const client = await RawPeer.open();
      const stranger = await RawPeer.open();
      client.send(encodeRequest(Opcode.RRQ, 'file', 'octet'), server.port);
      const first = await client.waitFor(1);
      stranger.send(encodeAck(1), first.from.port);
      const rebuff = await stranger.waitFor(1);
      expect(rebuff.packet).toMatchObject({ opcode: Opcode.ERROR, errorCode: 5 });
      client.send(encodeAck(1), first.from.port);
      const second = await client.waitFor(2);
      expect(second.packet).toMatchObject({ opcode: Opcode.DATA, block: 2 });
    } finally {
      await server.close();
    }
  });
});

describe('client side', () => {
  /** Starts a read from a scripted server; returns the promise and the server's view. */
  async function readFrom(options: Record<string, unknown> = {}) {
    const listener = await RawPeer.open();
    const transfer = await RawPeer.open();
    const result = tftpGet({ host: '127.0.0.1', port: listener.port, file: 'f', timeout: 1000, ...options }).then(
      (got) => got.data,
    );
    const request = await listener.waitFor(1);
    return { listener, transfer, result, client: request.from.port, request: request.packet };
  }

  it('does not answer a duplicated DATA with a duplicated ACK, and re-ACKs a late retransmission once', async () => {
    const { transfer, result, client } = await readFrom({ options: false });
    transfer.send(block(1), client);
    transfer.send(block(1), client); // duplicated by the network
    await pause(150);
    expect(transfer.received.map((r) => r.packet)).toEqual([{ opcode: Opcode.ACK, block: 1 }]);
    await pause(200);
    transfer.send(block(1), client); // the server timed out: our ACK was lost
    await transfer.waitFor(2);
    transfer.send(block(2, 10), client);
    expect((await result).length).toBe(522);
    await transfer.waitFor(3);
    expect(transfer.received.map((r) => r.packet)).toEqual([
      { opcode: Opcode.ACK, block: 1 },
      { opcode: Opcode.ACK, block: 1 },
      { opcode: Opcode.ACK, block: 2 },
    ]);
  });

  it('answers a foreign transfer ID with ERROR 5 and keeps its server', async () => {
    const { transfer, result, client } = await readFrom({ options: false });
    const stranger = await RawPeer.open();
    transfer.send(block(1), client);
    await transfer.waitFor(1);
    stranger.send(block(2, 3), client);
    expect((await stranger.waitFor(1)).packet).toMatchObject({ opcode: Opcode.ERROR, errorCode: 5 });
    transfer.send(block(2, 7), client);
    expect((await result).length).toBe(519);
  });

  it('falls back to 512-byte lock-step when the server ignores the options', async () => {
    const { transfer, result, client, request } = await readFrom({ blksize: 1468, windowsize: 8 });
    expect(request.opcode === Opcode.RRQ && [...request.options.keys()]).toEqual([
      'blksize',
      'tsize',
      'timeout',
      'windowsize',
    ]);
    transfer.send(block(1), client);
    await transfer.waitFor(1);
    transfer.send(block(2, 0), client);
    expect((await result).length).toBe(512);
  });

  it('asks again without options when the server refuses them with ERROR 8', async () => {
    const { listener, transfer, result, client } = await readFrom({ blksize: 1468 });
    transfer.send(encodeError(8, 'option negotiation failed'), client);
    const retry = await listener.waitFor(2);
    expect(retry.packet).toMatchObject({ opcode: Opcode.RRQ, filename: 'f', options: new Map() });
    transfer.send(block(1, 5), retry.from.port);
    expect((await result).length).toBe(5);
  });

  it('reports a gap in a window once, with the last block received in order', async () => {
    const { transfer, result, client } = await readFrom({ blksize: 512, windowsize: 4 });
    transfer.send(encodeOack([['windowsize', '4']]), client);
    expect((await transfer.waitFor(1)).packet).toEqual({ opcode: Opcode.ACK, block: 0 });
    transfer.send(block(1), client);
    transfer.send(block(3), client); // block 2 lost
    transfer.send(block(4), client);
    await pause(150);
    expect(transfer.received.map((r) => r.packet)).toEqual([
      { opcode: Opcode.ACK, block: 0 },
      { opcode: Opcode.ACK, block: 1 },
    ]);
    // The server starts a new window of 4 after block 1.
    for (const n of [2, 3, 4, 5]) transfer.send(block(n), client);
    await transfer.waitFor(3);
    expect(transfer.received[2]!.packet).toEqual({ opcode: Opcode.ACK, block: 5 });
    transfer.send(block(6, 1), client);
    expect((await result).length).toBe(5 * 512 + 1);
  });

  it('rejects an OACK that raises blksize, telling the server with ERROR 8', async () => {
    const { transfer, result, client } = await readFrom({ blksize: 1024 });
    transfer.send(encodeOack([['blksize', '4096']]), client);
    await expect(result).rejects.toMatchObject({ code: 'TFTP_BAD_OACK' });
    expect((await transfer.waitFor(1)).packet).toMatchObject({ opcode: Opcode.ERROR, errorCode: 8 });
  });
});
