/**
 * The server under load and abuse: the windows that netascii reads keep in memory stay within
 * maxMemoryBytes all together (a new transfer's window is lowered to what is left, then refused as busy;
 * octet reads hold a batch, not their window: stalled-window.test.ts), and a client cannot keep a dead
 * session alive for long with `timeout 255` (not acknowledged above maxTimeoutMs).
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { startTftpServer, type TftpServer } from '../src/index.js';

const temp = useTempDir('initkit-tftp-limits-');

/** Sends a read request with options and returns the first answer, parsed. */
async function request(
  port: number,
  options: Record<string, string>,
  mode = 'octet',
): Promise<{ socket: Socket; opcode: number; fields: string[] }> {
  const socket = createSocket('udp4');
  const parts = ['big', mode, ...Object.entries(options).flat()];
  const packet = Buffer.concat([Buffer.from([0, 1]), ...parts.map((part) => Buffer.from(`${part}\0`))]);
  const answer = new Promise<Buffer>((resolve) => socket.once('message', resolve));
  socket.send(packet, port, '127.0.0.1');
  const message = await answer;
  const opcode = message.readUInt16BE(0);
  // OACK: name, value pairs after the opcode; ERROR: a number, then the message.
  const fields = message
    .subarray(opcode === 5 ? 4 : 2)
    .toString('latin1')
    .split('\0');
  return { socket, opcode, fields };
}

function optionsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]) out[fields[i]!] = fields[i + 1]!;
  return out;
}

describe('server limits', () => {
  let server: TftpServer;
  const sockets: Socket[] = [];
  const budget = 300_000;

  beforeAll(async () => {
    const root = join(temp(), 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'big'), Buffer.alloc(8 << 20, 1));
    server = await startTftpServer({ root, port: 0, address: '127.0.0.1', maxMemoryBytes: budget, retries: 1 });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server.close();
  });

  it('stalled netascii transfers share the memory budget, then the next one is refused as busy', async () => {
    let held = 0;
    for (let client = 0; client < 4; client++) {
      const { socket, opcode, fields } = await request(server.port, { blksize: '65464', windowsize: '64' }, 'netascii');
      sockets.push(socket); // never acknowledged: the transfer stalls holding its window
      if (held + 512 > budget) {
        expect(opcode).toBe(5);
        expect(fields[0]).toContain('busy');
        continue;
      }
      expect(opcode).toBe(6); // OACK
      const agreed = optionsOf(fields);
      const window = Number(agreed.blksize) * Number(agreed.windowsize);
      expect(window).toBeLessThanOrEqual(budget - held);
      held += window;
    }
    expect(held).toBeLessThanOrEqual(budget);
    expect(held).toBeGreaterThan(budget / 2);
  });

  it('a timeout of 255 s is not acknowledged (the server keeps its own bounded interval)', async () => {
    const fresh = await startTftpServer({ root: join(temp(), 'root'), port: 0, address: '127.0.0.1' });
    try {
      const { socket, opcode, fields } = await request(fresh.port, { timeout: '255', tsize: '0' });
      sockets.push(socket);
      expect(opcode).toBe(6);
      expect(optionsOf(fields)).not.toHaveProperty('timeout');
      expect(optionsOf(fields)).toHaveProperty('tsize', String(8 << 20));
      const within = await request(fresh.port, { timeout: '5' });
      sockets.push(within.socket);
      expect(optionsOf(within.fields)).toHaveProperty('timeout', '5');
    } finally {
      await fresh.close();
    }
  });
});
