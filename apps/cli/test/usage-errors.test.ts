/**
 * Every line the CLI writes for a command-line mistake starts with `initkit:` (commander's own
 * messages and hints included), and the exit status is 2, in every area.
 */
import { describe, expect, it } from 'vitest';
import { initkit } from '../../../test/harness/run.js';

describe('initkit usage errors', () => {
  it.each([
    [['bogus']],
    [['initramfs', 'lst', 'x']],
    [['cpio', 'list']],
    [['uimage', 'list', '--frobnicate', 'x']],
    [['kmod', 'deps']],
    [['compress', 'encode', 'x']],
    [['bootscript', 'check']],
    [['tftp', 'serve', '--port']],
  ])('%j: exit 2, every stderr line starts with initkit:', (args) => {
    const result = initkit(args);
    expect(result.status).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^initkit: /);
  });
});
