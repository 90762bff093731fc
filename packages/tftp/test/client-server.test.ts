import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import {
  startTftpServer,
  type TftpError,
  type TftpServer,
  type TftpTransferEvent,
  tftpGet,
  tftpGetToFile,
  tftpGetToStream,
  tftpPut,
} from '../src/index.js';
import { failure } from './failure.js';

const temp = useTempDir('initkit-tftp-');

/** Waits (at most two seconds) for a condition that the other end of a transfer makes true. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('our client against our server', () => {
  let server: TftpServer;
  let root: string;
  const files = new Map<string, Buffer>();
  const events: TftpTransferEvent[] = [];

  beforeAll(async () => {
    root = join(temp(), 'root');
    mkdirSync(join(root, 'sub'), { recursive: true });
    for (const size of [0, 511, 512, 513, 1468, 100_000]) {
      const data = randomBytes(size);
      files.set(`f${size}`, data);
      writeFileSync(join(root, `f${size}`), data);
    }
    writeFileSync(join(root, 'big'), randomBytes(4 << 20));
    writeFileSync(join(root, 'sub', 'text.txt'), 'line one\nline two\r\nbare\rcr\n');
    writeFileSync(join(temp(), 'secret'), 'outside the root');
    symlinkSync(join(temp(), 'secret'), join(root, 'escape'));
    symlinkSync('f511', join(root, 'inside-link'));
    server = await startTftpServer({
      root,
      port: 0,
      address: '127.0.0.1',
      allowWrite: true,
      onTransfer: (event) => events.push(event),
    });
  });
  afterAll(() => server?.close());

  const get = (file: string, extra: Record<string, unknown> = {}) =>
    tftpGet({ host: '127.0.0.1', port: server.port, file, ...extra }).then((result) => result.data);

  it.each([
    ['defaults', {}],
    ['lock-step 512', { blksize: 512, windowsize: 1 }],
    ['no options (RFC 1350)', { options: false }],
    ['blksize 1468, windowsize 16', { blksize: 1468, windowsize: 16 }],
    ['blksize 8, windowsize 3', { blksize: 8, windowsize: 3 }],
  ])('reads every size byte for byte: %s', async (_name, extra) => {
    for (const [name, data] of files) {
      if ((extra as { blksize?: number }).blksize === 8 && data.length > 2000) continue;
      const got = await get(name, extra);
      expect(Buffer.compare(Buffer.from(got), data), `${name}`).toBe(0);
    }
  });

  it('leaves spareBytes free after the data in its buffer (tsize or not); a bad count is refused', async () => {
    for (const extra of [{}, { tsize: false }]) {
      const got = await get('f100000', { ...extra, spareBytes: 4096 });
      expect(Buffer.compare(Buffer.from(got), files.get('f100000')!)).toBe(0);
      expect(got.buffer.byteLength - got.byteOffset - got.length).toBeGreaterThanOrEqual(4096);
    }
    expect((await failure(get('f511', { spareBytes: -1 }))).code).toBe('TFTP_BAD_OPTION');
  });

  it('follows block numbers past 65535 (65537 blocks of 8 bytes)', async () => {
    const data = randomBytes(65536 * 8 + 3);
    writeFileSync(join(root, 'rollover'), data);
    const got = await get('rollover', { blksize: 8, windowsize: 32 });
    expect(Buffer.compare(Buffer.from(got), data)).toBe(0);
  });

  it('reports progress with the tsize total', async () => {
    const seen: { bytes: number; total: number | undefined }[] = [];
    await get('f100000', {
      blksize: 1024,
      onProgress: (progress: { bytes: number; total: number | undefined }) => seen.push(progress),
    });
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.at(-1)).toEqual({ bytes: 100_000, total: 100_000 });
    expect(seen.every((progress, i) => i === 0 || progress.bytes >= seen[i - 1]!.bytes)).toBe(true);
  });

  it('converts netascii both ways', async () => {
    const got = await get('sub/text.txt', { mode: 'netascii' });
    expect(Buffer.from(got).toString('latin1')).toBe('line one\nline two\r\nbare\rcr\n');
    await tftpPut({
      host: '127.0.0.1',
      port: server.port,
      file: 'sub/uploaded.txt',
      mode: 'netascii',
      data: Buffer.from('a\nb\rc'),
    });
    expect(readFileSync(join(root, 'sub', 'uploaded.txt'), 'latin1')).toBe('a\nb\rc');
  });

  it('writes files (windowed and lock-step) and replaces them whole', async () => {
    const data = randomBytes(300_000);
    const result = await tftpPut({ host: '127.0.0.1', port: server.port, file: 'sub/up.bin', data, windowsize: 8 });
    expect(result.bytes).toBe(data.length);
    expect(result.windowsize).toBe(8);
    expect(Buffer.compare(readFileSync(join(root, 'sub', 'up.bin')), data)).toBe(0);
    const smaller = randomBytes(1024);
    await tftpPut({ host: '127.0.0.1', port: server.port, file: '/sub/up.bin', data: smaller, options: false });
    expect(Buffer.compare(readFileSync(join(root, 'sub', 'up.bin')), smaller)).toBe(0);
  });

  it('writes from a local file path and from a stream', async () => {
    const local = join(temp(), 'local.bin');
    const data = randomBytes(70_000);
    writeFileSync(local, data);
    await tftpPut({ host: '127.0.0.1', port: server.port, file: 'from-path', data: { path: local } });
    expect(Buffer.compare(readFileSync(join(root, 'from-path')), data)).toBe(0);
    async function* chunks() {
      yield data.subarray(0, 1000);
      yield data.subarray(1000);
    }
    await tftpPut({ host: '127.0.0.1', port: server.port, file: 'from-stream', data: chunks() });
    expect(Buffer.compare(readFileSync(join(root, 'from-stream')), data)).toBe(0);
  });

  it('streams to a writable and to a file', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const result = await tftpGetToStream({ host: '127.0.0.1', port: server.port, file: 'f100000' }, stream);
    expect(result.tsize).toBe(100_000);
    expect(Buffer.compare(Buffer.concat(chunks), files.get('f100000')!)).toBe(0);
    const target = join(temp(), 'downloaded');
    await tftpGetToFile({ host: '127.0.0.1', port: server.port, file: 'f513' }, target);
    expect(Buffer.compare(readFileSync(target), files.get('f513')!)).toBe(0);
  });

  it('fails with TFTP_UNREACHABLE, not after its retransmissions, when nothing listens at the port', async () => {
    const closed = await startTftpServer({ root, port: 0, address: '127.0.0.1' });
    const port = closed.port;
    await closed.close();
    // Thirty retransmissions a second apart: only the ICMP error can end these before the test's timeout.
    const options = { host: '127.0.0.1', port, file: 'small.bin', timeout: 1000, retries: 30 };
    expect((await failure(tftpGet(options))).code).toBe('TFTP_UNREACHABLE');
    expect((await failure(tftpPut({ ...options, data: new Uint8Array(10) }))).code).toBe('TFTP_UNREACHABLE');
  });

  it('leaves the old file in place when a download fails', async () => {
    const target = join(temp(), 'keep');
    writeFileSync(target, 'old');
    const error = await failure(tftpGetToFile({ host: '127.0.0.1', port: server.port, file: 'missing' }, target));
    expect(error.code).toBe('TFTP_NOT_FOUND');
    expect(error.tftpCode).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('old');
  });

  it('never serves outside its root', async () => {
    for (const name of ['../secret', 'sub/../../secret', 'escape']) {
      const error = await failure(get(name));
      expect(error.code, name).toBe('TFTP_ACCESS_VIOLATION');
      expect(error.message).toContain('sent error 2');
    }
    expect((await failure(get('/etc/passwd'))).code).toBe('TFTP_NOT_FOUND');
    expect((await failure(get('sub'))).code).toBe('TFTP_ACCESS_VIOLATION');
    expect(Buffer.compare(Buffer.from(await get('inside-link')), files.get('f511')!)).toBe(0);
    const write = await failure(
      tftpPut({ host: '127.0.0.1', port: server.port, file: '../planted', data: Buffer.from('x') }),
    );
    expect(write.code).toBe('TFTP_ACCESS_VIOLATION');
  });

  it('refuses writes unless they are allowed', async () => {
    const readOnly = await startTftpServer({ root, port: 0, address: '127.0.0.1' });
    try {
      const error = await failure(
        tftpPut({ host: '127.0.0.1', port: readOnly.port, file: 'nope', data: Buffer.from('x') }),
      );
      expect(error.code).toBe('TFTP_ACCESS_VIOLATION');
    } finally {
      await readOnly.close();
    }
  });

  it('runs many transfers at once', async () => {
    const names = [...files.keys()];
    const jobs = Array.from({ length: 30 }, (_, i) => names[i % names.length]!);
    const results = await Promise.all(jobs.map((name, i) => get(name, { windowsize: 1 + (i % 8) })));
    results.forEach((got, i) => {
      expect(Buffer.compare(Buffer.from(got), files.get(jobs[i]!)!)).toBe(0);
    });
    await until(() => server.activeTransfers === 0);
    expect(server.activeTransfers).toBe(0);
    expect(events.filter((event) => event.kind === 'read' && !event.error).length).toBeGreaterThanOrEqual(30);
  });

  it('refuses transfers beyond maxTransfers with "server busy"', async () => {
    const busy = await startTftpServer({ root, port: 0, address: '127.0.0.1', maxTransfers: 1 });
    try {
      const controller = new AbortController();
      let firstRunning: () => void = () => {};
      const running = new Promise<void>((resolve) => {
        firstRunning = resolve;
      });
      const first = tftpGet({
        host: '127.0.0.1',
        port: busy.port,
        file: 'big',
        blksize: 512,
        windowsize: 1,
        signal: controller.signal,
        onProgress: () => firstRunning(),
      }).catch((error: TftpError) => error);
      await running;
      const second = await failure(tftpGet({ host: '127.0.0.1', port: busy.port, file: 'f511' }));
      expect(second.code).toBe('TFTP_SERVER_ERROR');
      expect(second.message).toContain('server busy');
      controller.abort();
      expect(((await first) as TftpError).code).toBe('TFTP_ABORTED');
    } finally {
      await busy.close();
    }
  });

  it('serves IPv6', async () => {
    const v6 = await startTftpServer({ root, port: 0, address: '::1' });
    try {
      const got = (await tftpGet({ host: '::1', port: v6.port, file: 'f1468' })).data;
      expect(Buffer.compare(Buffer.from(got), files.get('f1468')!)).toBe(0);
    } finally {
      await v6.close();
    }
  });

  it('stops on an AbortSignal and tells the server', async () => {
    const controller = new AbortController();
    const error = await failure(
      get('big', {
        blksize: 512,
        windowsize: 1,
        signal: controller.signal,
        onProgress: ({ bytes }: { bytes: number }) => bytes > 100_000 && controller.abort(),
      }),
    );
    expect(error.code).toBe('TFTP_ABORTED');
    const cancelled = () =>
      events.some((event) => event.file === 'big' && event.error?.message.includes('transfer cancelled'));
    await until(cancelled);
    expect(events.some((event) => event.file === 'big' && event.error?.message.includes('transfer cancelled'))).toBe(
      true,
    );
  });

  it('ends running transfers on close() with a clear error', async () => {
    const other = await startTftpServer({ root, port: 0, address: '127.0.0.1' });
    const transfer = failure(
      tftpGet({
        host: '127.0.0.1',
        port: other.port,
        file: 'big',
        blksize: 512,
        windowsize: 1,
        onProgress: ({ bytes }) => {
          if (bytes > 50_000) void other.close();
        },
      }),
    );
    const error = await transfer;
    expect(error.code).toBe('TFTP_SERVER_ERROR');
    expect(error.message).toContain('server shutting down');
    expect(other.activeTransfers).toBe(0);
  });
});
