/**
 * Small root disks for the initramfs build proofs: an ext4 file system made by mke2fs -d from a tree
 * holding a static busybox and an /sbin/init that prints a marker and powers off; optionally behind an
 * MBR partition table (for root=PARTUUID=, which is the disk signature and partition number).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const ROOT_MARKER = 'INITKIT-ROOT-INIT-REACHED';

export interface RootDiskOptions {
  uuid?: string;
  label?: string;
  /** Put the file system in partition 1 of an MBR disk with this 32-bit signature. */
  mbrSignature?: number;
  /** The static busybox the root's /sbin/init runs (default the host's /bin/busybox; armhf guests need theirs). */
  busybox?: string;
}

/** Writes the disk image at `path` (8 MiB of ext4, 1 MiB more when partitioned). */
export function makeRootDisk(work: string, path: string, options: RootDiskOptions = {}): void {
  const tree = join(work, `${path.replace(/\W/g, '_')}-tree`);
  rmSync(tree, { recursive: true, force: true });
  for (const directory of ['bin', 'sbin', 'dev', 'proc', 'sys']) mkdirSync(join(tree, directory), { recursive: true });
  copyFileSync(options.busybox ?? '/bin/busybox', join(tree, 'bin', 'busybox'));
  chmodSync(join(tree, 'bin', 'busybox'), 0o755);
  writeFileSync(
    join(tree, 'sbin', 'init'),
    `#!/bin/busybox sh\nset -- $(/bin/busybox cat /proc/uptime)\n/bin/busybox echo "${ROOT_MARKER} $(/bin/busybox grep ' / ' /proc/mounts) uptime=$1"\n/bin/busybox poweroff -f\n`,
  );
  chmodSync(join(tree, 'sbin', 'init'), 0o755);
  const fs = options.mbrSignature === undefined ? path : `${path}.fs`;
  rmSync(fs, { force: true });
  execFileSync(
    'mke2fs',
    [
      '-q',
      '-t',
      'ext4',
      '-E',
      'root_owner=0:0',
      ...(options.uuid ? ['-U', options.uuid] : []),
      ...(options.label ? ['-L', options.label] : []),
      '-d',
      tree,
      fs,
      '8M',
    ],
    { env: { ...process.env, E2FSPROGS_FAKE_TIME: '1' } },
  );
  rmSync(tree, { recursive: true, force: true });
  if (options.mbrSignature === undefined) return;
  // MBR: signature at 440, partition 1 (type 0x83) from sector 2048 over the file system.
  const sectors = readFileSync(fs).length / 512;
  const header = new Uint8Array(2048 * 512);
  const view = new DataView(header.buffer);
  view.setUint32(440, options.mbrSignature, true);
  header[446 + 4] = 0x83;
  view.setUint32(446 + 8, 2048, true);
  view.setUint32(446 + 12, sectors, true);
  header[510] = 0x55;
  header[511] = 0xaa;
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  writeSync(fd, readFileSync(fs));
  closeSync(fd);
  rmSync(fs, { force: true });
}
