/**
 * Our client against tftpd-hpa (the oracle server): every byte equal for the edge sizes, exactly 65536
 * blocks and more than 32 MiB, with and without options; writes; IPv6; a server that ignores options; a
 * server that dies mid-transfer and one that is not there.
 */

import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { startTftpdHpa, type TftpdHpa } from '../../../test/harness/tftpd-hpa.js';
import { hasTools } from '../../../test/harness/tools.js';
import { type TftpClientOptions, tftpGet, tftpGetToFile, tftpPut } from '../src/index.js';
import { failure } from './failure.js';

const temp = useTempDir('initkit-tftpd-hpa-');

const SIZES: Record<string, number> = {
  empty: 0,
  s511: 511,
  s512: 512,
  s513: 513,
  blocks65536: 65536 * 512,
  over32MiB: 32 * 1024 * 1024 + 12345,
};

describe.runIf(hasTools('in.tftpd'))('our client against tftpd-hpa', () => {
  let daemon: TftpdHpa;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    for (const [name, size] of Object.entries(SIZES)) {
      const data = randomBytes(size);
      files.set(name, data);
      writeFileSync(join(temp(), name), data);
    }
    daemon = await startTftpdHpa({ root: temp(), allowCreate: true });
  });
  afterAll(() => daemon?.stop());

  const small = ['empty', 's511', 's512', 's513'];

  it.each([
    ['with options (blksize auto, tsize, windowsize asked)', {}],
    ['with blksize 1468', { blksize: 1468 }],
    ['without options', { options: false }],
  ])('reads the edge sizes byte for byte %s', async (_label, extra) => {
    for (const name of small) {
      const got = (await tftpGet({ host: daemon.address, port: daemon.port, file: name, ...extra })).data;
      expect(Buffer.compare(Buffer.from(got), files.get(name)!), name).toBe(0);
    }
  });

  it('reads exactly 65536 blocks of 512 without options (block numbers wrap)', async () => {
    const target = join(temp(), 'copy-65536');
    const result = await tftpGetToFile(
      { host: daemon.address, port: daemon.port, file: 'blocks65536', options: false },
      target,
    );
    expect(result.negotiated).toBe(false);
    expect(result.blksize).toBe(512);
    expect(Buffer.compare(readFileSync(target), files.get('blocks65536')!)).toBe(0);
  });

  it('reads exactly 65536 blocks of 512 with options (tsize acknowledged, block numbers wrap)', async () => {
    const target = join(temp(), 'copy-65536-options');
    const result = await tftpGetToFile(
      { host: daemon.address, port: daemon.port, file: 'blocks65536', blksize: 512 },
      target,
    );
    expect(result).toMatchObject({ negotiated: true, blksize: 512, tsize: 65536 * 512 });
    expect(Buffer.compare(readFileSync(target), files.get('blocks65536')!)).toBe(0);
  });

  it('reads more than 32 MiB with and without options', async () => {
    for (const extra of [{}, { options: false }]) {
      const progress: number[] = [];
      const got = (
        await tftpGet({
          host: daemon.address,
          port: daemon.port,
          file: 'over32MiB',
          ...extra,
          onProgress: ({ total }) => {
            if (total !== undefined) progress.push(total);
          },
        })
      ).data;
      expect(Buffer.compare(Buffer.from(got), files.get('over32MiB')!)).toBe(0);
      if (extra.options === undefined) expect(progress.at(-1)).toBe(SIZES.over32MiB);
    }
  });

  it('negotiates blksize and tsize with tftpd-hpa (windowsize is not acknowledged by it)', async () => {
    const target = join(temp(), 'copy-513');
    const result = await tftpGetToFile(
      { host: daemon.address, port: daemon.port, file: 's513', blksize: 1024, windowsize: 8 },
      target,
    );
    expect(result).toMatchObject({ negotiated: true, blksize: 1024, tsize: 513, windowsize: 1 });
  });

  it('writes to tftpd-hpa (-c) with and without options', async () => {
    const data = randomBytes(200_000);
    await tftpPut({ host: daemon.address, port: daemon.port, file: 'written-options', data, blksize: 1468 });
    expect(Buffer.compare(readFileSync(join(temp(), 'written-options')), data)).toBe(0);
    await tftpPut({ host: daemon.address, port: daemon.port, file: 'written-plain', data, options: false });
    expect(Buffer.compare(readFileSync(join(temp(), 'written-plain')), data)).toBe(0);
  });

  it('turns tftpd-hpa errors into typed errors', async () => {
    const error = await failure(tftpGet({ host: daemon.address, port: daemon.port, file: 'no-such-file' }));
    expect(error.code).toBe('TFTP_NOT_FOUND');
    expect(error.tftpCode).toBe(1);
  });

  it('falls back cleanly when the server refuses every option', async () => {
    const plain = await startTftpdHpa({
      root: temp(),
      refuseOptions: ['blksize', 'blksize2', 'tsize', 'timeout', 'utimeout', 'rollover'],
    });
    try {
      const target = join(temp(), 'copy-fallback');
      const result = await tftpGetToFile({ host: plain.address, port: plain.port, file: 's513', timeout: 500 }, target);
      expect(result).toMatchObject({ negotiated: false, blksize: 512 });
      expect(Buffer.compare(readFileSync(target), files.get('s513')!)).toBe(0);
    } finally {
      await plain.stop();
    }
  });

  it('reads over IPv6', async () => {
    const v6 = await startTftpdHpa({ root: temp(), address: '::1' });
    try {
      const got = (await tftpGet({ host: '::1', port: v6.port, file: 's513' })).data;
      expect(Buffer.compare(Buffer.from(got), files.get('s513')!)).toBe(0);
    } finally {
      await v6.stop();
    }
  });

  /** Reads over32MiB from a tftpd-hpa that is killed once 1 MiB has arrived; the read's error. */
  async function readWhileServerDies(options: Partial<TftpClientOptions>) {
    const dying = await startTftpdHpa({ root: temp() });
    let killed = false;
    const error = await failure(
      tftpGet({
        host: dying.address,
        port: dying.port,
        file: 'over32MiB',
        ...options,
        onProgress: ({ bytes }) => {
          if (!killed && bytes > 1 << 20) {
            killed = true;
            void dying.stop(true);
          }
        },
      }),
    );
    return { error, killed };
  }

  it('fails within its deadline, with a clear error, when the server dies mid-transfer', async () => {
    const { error, killed } = await readWhileServerDies({ options: false, timeout: 200, retries: 50, deadline: 2500 });
    // retries: 50 would outlast the test: only the deadline can have ended this transfer.
    expect(killed).toBe(true);
    expect(error.code).toBe('TFTP_DEADLINE');
    expect(error.message).toMatch(/read of "over32MiB" from 127\.0\.0\.1:\d+ did not complete before its deadline/);
  });

  it('gives up with TFTP_TIMEOUT after its retries when the server dies', async () => {
    const { error } = await readWhileServerDies({ blksize: 1468, timeout: 100, retries: 3 });
    expect(error.code).toBe('TFTP_TIMEOUT');
    expect(error.message).toMatch(/no block \d+ after 3 retransmissions/);
  });

  it('fails at once with TFTP_UNREACHABLE when the server is gone (ICMP port unreachable)', async () => {
    const gone = await startTftpdHpa({ root: temp() });
    await gone.stop();
    // Thirty retransmissions a second apart: only the ICMP error can end this read before the test's timeout.
    const error = await failure(
      tftpGet({ host: gone.address, port: gone.port, file: 's513', timeout: 1000, retries: 30 }),
    );
    expect(error.code).toBe('TFTP_UNREACHABLE');
    expect(error.message).toMatch(
      /read of "s513" from 127\.0\.0\.1:\d+: 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/,
    );
  });

  it('fails clearly when a server listens but never answers', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const { port } = silent.address();
    try {
      const timeout = await failure(tftpGet({ host: '127.0.0.1', port, file: 's513', timeout: 100, retries: 2 }));
      expect(timeout.code).toBe('TFTP_TIMEOUT');
      expect(timeout.message).toContain('no answer from the server after 2 retransmissions of the request');
      const deadline = await failure(tftpGet({ host: '127.0.0.1', port, file: 's513', deadline: 800 }));
      expect(deadline.code).toBe('TFTP_DEADLINE');
    } finally {
      silent.close();
    }
  });
});
