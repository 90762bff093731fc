/**
 * A simulated Scaleway C1 on loopback, for the demo, the tests and the bench: initkit's TFTP server
 * serving the provider tree (fixtures/archkernel/provider), a metadata HTTP server answering /conf in
 * text and JSON, and a temporary root with a fake /proc, /sys, /run, the distribution kernel on /boot,
 * the small real module tree under /usr/lib/modules and a configuration pointing at the two servers.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTftpServer, type TftpServer } from '@initkit/tftp';

/** fixtures/archkernel, from apps/archkernel/demo/ (sources) and apps/archkernel/dist/ (built) alike. */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/archkernel/', import.meta.url));
export const RELEASE = readFileSync(join(FIXTURES, 'modules/SOURCE'), 'utf8').match(/linux-image-(\S+)/)![1]!;
export const PROVIDER_CMDLINE =
  'console=ttyS0,115200 ip=dhcp root=/dev/nbd0 nbd.max_parts=8 boot=local nousb noplymouth';

export interface SimulatedC1 {
  root: string;
  configPath: string;
  tftp: TftpServer;
  metadataUrl: string;
  /** The server's tags, as the metadata answers them (change them between runs). */
  tags: string[];
  /** Files the TFTP server sent, in order. */
  transfers: string[];
  /** Directory the TFTP server serves. */
  providerDir: string;
  close(): Promise<void>;
}

export interface SimulatedC1Options {
  /** Serve this directory instead of the fixture provider tree. */
  providerDir?: string;
  /** The exitrd's shutdown script: 'scaleway' (jumps on kexec) or 'old' (ends in /bin/sh). */
  exitrd?: 'scaleway' | 'old';
  /** Metadata format the URL asks for. */
  metadataFormat?: 'json' | 'text';
  /** Extra configuration lines appended to the generated file. */
  extraConfig?: string;
  tags?: string[];
}

function metadataText(tags: string[]): string {
  const lines = ['COMMERCIAL_TYPE=C1', "NAME='c1 demo'", `TAGS=${tags.length}`];
  for (const [index, tag] of tags.entries()) lines.push(`TAGS_${index}=${/^[\w.-]+$/.test(tag) ? tag : `'${tag}'`}`);
  return `${lines.join('\n')}\n`;
}

export async function startSimulatedC1(options: SimulatedC1Options = {}): Promise<SimulatedC1> {
  const root = mkdtempSync(join(tmpdir(), 'archkernel-c1-'));
  const at = (path: string) => join(root, path);
  const write = (path: string, data: string | Uint8Array, mode = 0o644) => {
    mkdirSync(join(at(path), '..'), { recursive: true });
    writeFileSync(at(path), data);
    chmodSync(at(path), mode);
  };
  write('proc/cmdline', `${PROVIDER_CMDLINE}\n`);
  write('proc/net/pnp', '#PROTO: DHCP\ndomain cloud.online.net\nnameserver 10.1.31.38\nbootserver 127.0.0.1\n');
  write('proc/sys/kernel/kexec_load_disabled', '0\n');
  write('proc/iomem', readFileSync(join(FIXTURES, 'system/iomem')));
  write('sys/firmware/fdt', readFileSync(join(FIXTURES, 'system/c1.dtb')), 0o400);
  write('sys/kernel/kexec_loaded', '0\n');
  const exitrd = options.exitrd ?? 'scaleway';
  write('run/initramfs/shutdown', readFileSync(join(FIXTURES, `system/shutdown-${exitrd}`)), 0o755);
  write('run/initramfs/sbin/kexec', '#!/bin/sh\necho "kexec stand-in $*"\n', 0o755);
  write('boot/zImage', readFileSync(join(FIXTURES, 'system/zImage')));
  cpSync(join(FIXTURES, 'modules/lib/modules'), at('usr/lib/modules'), { recursive: true });

  const tags = [...(options.tags ?? ['c1', 'archlinux'])];
  const metadata: Server = createServer((request, response) => {
    const json = (request.url ?? '').includes('format=json');
    response.setHeader('content-type', json ? 'application/json' : 'text/plain');
    response.end(
      json
        ? JSON.stringify({
            id: 'c1-demo',
            commercial_type: 'C1',
            tags,
            bootscript: { initrd: 'initrd/uInitrd-Linux-armv7l-v3.11.1' },
          })
        : metadataText(tags),
    );
  });
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
  const metadataPort = (metadata.address() as { port: number }).port;
  const metadataUrl = `http://127.0.0.1:${metadataPort}/conf${(options.metadataFormat ?? 'json') === 'json' ? '?format=json' : ''}`;

  const providerDir = options.providerDir ?? join(FIXTURES, 'provider');
  const transfers: string[] = [];
  const tftp = await startTftpServer({
    root: providerDir,
    port: 0,
    address: '127.0.0.1',
    onTransfer: (event) => transfers.push(event.file),
  });
  const configPath = at('etc/archkernel-load.toml');
  write(
    'etc/archkernel-load.toml',
    [
      '# The simulated C1: the boot server and the metadata on loopback.',
      '[boot_server]',
      `port = ${tftp.port}`,
      'timeout_ms = 200',
      'retries = 2',
      '',
      '[metadata]',
      `url = "${metadataUrl}"`,
      'timeout_ms = 1000',
      'retries = 0',
      options.extraConfig ?? '',
      '',
    ].join('\n'),
  );
  return {
    root,
    configPath,
    tftp,
    metadataUrl,
    tags,
    transfers,
    providerDir,
    async close() {
      await tftp.close();
      await new Promise<void>((resolve) => metadata.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
