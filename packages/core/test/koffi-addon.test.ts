import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findKoffiDirectory, koffiAddonPath, loadKoffi } from '../src/node/koffi-addon.js';

const koffiDirectory = dirname(createRequire(import.meta.url).resolve('koffi'));
const koffiVersion = (JSON.parse(readFileSync(join(koffiDirectory, 'package.json'), 'utf8')) as { version: string })
  .version;

describe('loadKoffi', () => {
  it("picks the prebuilt addon koffi's own loader picks for this Node, loads it and calls libc through it", () => {
    const expected = { x64: 'x64/linux_x64', arm64: 'arm64/linux_arm64', arm: 'arm/linux_armhf' }[
      process.arch as 'x64'
    ];
    const addon = koffiAddonPath(koffiDirectory);
    expect(addon).toBe(join(koffiDirectory, '..', '@koromix', `koffi-linux-${expected}`, 'koffi.node'));
    const koffi = loadKoffi<typeof import('koffi')>(import.meta.url);
    expect(koffi.version).toBe(koffiVersion);
    // The file itself is mapped into this process, not one found elsewhere.
    expect(readFileSync('/proc/self/maps', 'utf8')).toContain(realpathSync(addon as string));
    const getpid = koffi.load('libc.so.6').func('int getpid(void)');
    expect(getpid()).toBe(process.pid);
  });

  it('finds the koffi require() finds, by the node_modules walk alone', () => {
    expect(findKoffiDirectory(fileURLToPath(new URL('../src/node/', import.meta.url)))).toBe(
      realpathSync(koffiDirectory),
    );
    expect(findKoffiDirectory(tmpdir())).toBeUndefined();
  });

  it('walks from the file the caller names, and throws as require() does where no koffi is in reach', () => {
    expect(() => loadKoffi(join(tmpdir(), 'no-koffi-here', 'caller.js'))).toThrow(/Cannot find module 'koffi'/);
  });

  it("leaves a koffi without its prebuilt package beside it to koffi's own loader", () => {
    expect(koffiAddonPath(join(tmpdir(), 'no-such-dir', 'koffi'))).toBeUndefined();
  });
});
