/**
 * The server facing hostile requests: what it sends back never names a local path or carries the
 * operating system's text (an over-long file name used to send the root's absolute path and Node's
 * ENAMETOOLONG message); the name it echoes is cut. And the client facing a lying server: it takes no
 * more than the size the server announced.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { startTftpServer, type TftpServer, tftpGet } from '../src/index.js';
import { failure } from './failure.js';

const temp = useTempDir('initkit-tftp-abuse-');

describe('error packets to a client', () => {
  let server: TftpServer;
  let root: string;

  beforeAll(async () => {
    root = join(temp(), 'served-root');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'file'), 'x');
    server = await startTftpServer({ root, port: 0, address: '127.0.0.1' });
  });
  afterAll(() => server.close());

  const names: Array<[string, string, string]> = [
    ['an over-long component', 'a'.repeat(300), 'TFTP_ACCESS_VIOLATION'],
    ['an over-long path', `${'b'.repeat(200)}/`.repeat(30), 'TFTP_NOT_FOUND'],
    ['a file used as a directory', 'file/inside', 'TFTP_NOT_FOUND'],
  ];
  for (const [what, name, code] of names) {
    it(`${what}: a typed error without the root's path or Node's message`, async () => {
      const error = await failure(
        tftpGet({ host: '127.0.0.1', port: server.port, file: name, timeout: 500, retries: 2 }),
      );
      expect(error.code).toBe(code);
      expect(error.message).not.toContain(root);
      expect(error.message).not.toContain(temp());
      expect(error.message).not.toMatch(/ENAMETOOLONG|ENOTDIR|no such file|realpath/i);
      // What the server sent (after "sent error N: ") echoes the name cut to 64 characters.
      const sent = error.message.slice(error.message.indexOf('sent error'));
      expect(sent.length).toBeLessThan(120);
    });
  }
});

describe('a server that sends more than it announced', () => {
  it('the client stops at the announced tsize with TFTP_TOO_LARGE', async () => {
    const liar = createSocket('udp4');
    await new Promise<void>((resolve) => liar.bind(0, '127.0.0.1', resolve));
    liar.on('message', (message, remote) => {
      const opcode = message.readUInt16BE(0);
      const reply = (bytes: Buffer) => liar.send(bytes, remote.port, remote.address);
      if (opcode === 1) reply(Buffer.concat([Buffer.from([0, 6]), Buffer.from('tsize\x0010\x00')]));
      else if (opcode === 4 && message.readUInt16BE(2) === 0)
        reply(Buffer.concat([Buffer.from([0, 3, 0, 1]), Buffer.alloc(100, 7)]));
    });
    try {
      const error = await failure(
        tftpGet({
          host: '127.0.0.1',
          port: (liar.address() as { port: number }).port,
          file: 'x',
          timeout: 300,
          retries: 1,
        }),
      );
      expect(error.code).toBe('TFTP_TOO_LARGE');
      expect(error.message).toContain('announced 10 bytes');
    } finally {
      liar.close();
    }
  });
});

describe('the read limit', () => {
  let server: TftpServer;

  beforeAll(async () => {
    const root = join(temp(), 'limit-root');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'kilobyte'), Buffer.alloc(1024, 1));
    server = await startTftpServer({ root, port: 0, address: '127.0.0.1' });
  });
  afterAll(() => server.close());

  const get = (limit: { maxOutputBytes?: number; maxBytes?: number }) =>
    tftpGet({ host: '127.0.0.1', port: server.port, file: 'kilobyte', timeout: 2000, retries: 3, ...limit });

  it('maxOutputBytes refuses a larger file with TFTP_TOO_LARGE and takes one that fits', async () => {
    expect((await failure(get({ maxOutputBytes: 1023 }))).code).toBe('TFTP_TOO_LARGE');
    expect((await get({ maxOutputBytes: 1024 })).data.length).toBe(1024);
  });

  it('the deprecated maxBytes still limits, and maxOutputBytes wins over it', async () => {
    expect((await failure(get({ maxBytes: 1023 }))).code).toBe('TFTP_TOO_LARGE');
    expect((await get({ maxBytes: 1023, maxOutputBytes: 1024 })).data.length).toBe(1024);
  });
});
