/**
 * bench/uimage: verify both CRCs of a 64 MiB ramdisk image with the library (in process, file read
 * included) versus `mkimage -l` on the same file, which verifies them too. Goal: at most 1.5x.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createUImage, parseUImage } from '@initkit/uimage';
import { compare, ensureWorkDir, initkitCommand, report, shell } from './harness.js';

const directory = ensureWorkDir('uimage');
const imagePath = `${directory}ramdisk-64m.uimg`;
if (!existsSync(imagePath)) {
  const payload = randomBytes(64 * 1024 * 1024);
  writeFileSync(
    imagePath,
    createUImage({
      arch: 'arm',
      os: 'linux',
      type: 'ramdisk',
      compression: 'none',
      name: 'initramfs',
      time: 0,
      data: payload,
    }),
  );
}

const rows = [
  await compare({
    name: 'verify 64 MiB ramdisk uImage (library in process vs mkimage -l)',
    goal: '<= 1.5x',
    maxRatio: 1.5,
    ours: () => parseUImage(readFileSync(imagePath)),
    native: shell(`mkimage -l ${imagePath} > /dev/null`),
    runs: 7,
  }),
  await compare({
    name: 'same, whole `initkit uimage list` process vs mkimage -l',
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: shell(`${initkitCommand} uimage list ${imagePath} > /dev/null`),
    native: shell(`mkimage -l ${imagePath} > /dev/null`),
    runs: 7,
  }),
];
report('uimage', rows);
