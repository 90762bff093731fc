/**
 * The generated /init's provider form of an NBD root (Scaleway's: root=/dev/nbd0 with nbd_uri= on the
 * command line, else VOLUMES_0_EXPORT_URI from the metadata server's GET /conf), run by the real busybox
 * ash with INITKIT_INIT_TEST=1; nbd-client is a stub program on PATH that records its arguments, the
 * metadata server a loopback HTTP server (busybox nc talks to it). The root=nbd: form is booted in QEMU
 * by nbd-boot.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initScript } from '@initkit/initramfs';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTools } from '../harness/tools.js';

const work = mkdtempSync(join(tmpdir(), 'initkit-init-nbd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const initPath = join(work, 'init');
writeFileSync(initPath, initScript({ release: '6.1.0-test', modules: [], features: ['network', 'nbd'] }));
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'nbd-client'), '#!/bin/sh\necho "nbd-client $*"\n', { mode: 0o755 });
/** Runs `body` after sourcing the init (nbd-client stubbed); stdout, stderr and the exit status. */
function run(body: string): Promise<{ out: string; err: string; status: number }> {
  return new Promise((resolve) => {
    execFile(
      'busybox',
      ['sh', '-c', `. ${initPath}\nPATH=${bin}:$PATH\n${body}`],
      { env: { PATH: '/usr/bin:/bin', INITKIT_INIT_TEST: '1' }, encoding: 'utf8', timeout: 20_000 },
      (error, stdout, stderr) => resolve({ out: stdout, err: stderr, status: error ? Number(error.code) : 0 }),
    );
  });
}

/** A metadata server on loopback answering GET /conf with `conf`; returns the init's settings for it. */
async function metadataServer(conf: string): Promise<{ settings: string; requests: string[]; close: () => void }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(conf);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { settings: `metadata_host=127.0.0.1 metadata_port=${port}`, requests, close: () => server.close() };
}

describe.runIf(hasTools('busybox'))('generated /init: the provider form of an NBD root', () => {
  it('root=/dev/nbd0 nbd_uri=nbd://HOST:PORT/EXPORT attaches that export without asking the metadata', async () => {
    const metadata = await metadataServer("VOLUMES_0_EXPORT_URI='nbd://10.9.9.9:1'\n");
    try {
      const result = await run(
        `${metadata.settings}; parse_cmdline "root=/dev/nbd0 nbd_uri=nbd://10.1.0.5:4448/vol ro"; nbd_attach`,
      );
      expect(result.out).toBe('nbd-client 10.1.0.5 4448 /dev/nbd0 -N vol\n');
      expect(metadata.requests).toEqual([]);
    } finally {
      metadata.close();
    }
  });

  it('without nbd_uri=, the metadata volume VOLUMES_0_EXPORT_URI (quoted or not) is attached', async () => {
    const quoted = await metadataServer(
      "COMMERCIAL_TYPE=C1\nNAME='a b'\nVOLUMES=0\nVOLUMES_0_EXPORT_URI='nbd://10.1.31.5:4448'\nTAGS=0\n",
    );
    const bare = await metadataServer('VOLUMES_0_EXPORT_URI=nbd://h:1/e\n');
    try {
      const first = await run(`${quoted.settings}; parse_cmdline "root=/dev/nbd0"; nbd_attach`);
      expect(first.out).toBe('nbd-client 10.1.31.5 4448 /dev/nbd0\n');
      expect(quoted.requests).toEqual(['GET /conf']);
      expect((await run(`${bare.settings}; parse_cmdline "root=/dev/nbd0"; nbd_attach`)).out).toBe(
        'nbd-client h 1 /dev/nbd0 -N e\n',
      );
    } finally {
      quoted.close();
      bare.close();
    }
  });

  it('root=/dev/nbd0 with neither (metadata unreachable) fails with the message naming both sources', async () => {
    const gone = await metadataServer('');
    gone.close();
    const result = await run(`${gone.settings}; sh() { exit 7; }; parse_cmdline "root=/dev/nbd0"; nbd_attach`);
    expect(result.status).toBe(7);
    expect(result.out).toContain('initkit: ERROR: root=/dev/nbd0: no NBD export (give nbd_uri=');
    expect(result.out).toContain('VOLUMES_0_EXPORT_URI');
  });
});
