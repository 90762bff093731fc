/**
 * A writer killed before its rename leaves its temporary file: the next write to the same target
 * removes the ones whose process is gone, keeps those of live processes and of other targets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../src/node.js';

const directory = mkdtempSync(join(tmpdir(), 'initkit-stale-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The id of a process that has exited (a child we waited for). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('stale temporary files', () => {
  for (const [name, write] of [
    ['writeFileAtomic', (path: string) => writeFileAtomic(path, new Uint8Array([1, 2]))],
    ['writeFileAtomicSync', async (path: string) => writeFileAtomicSync(path, new Uint8Array([1, 2]))],
  ] as const) {
    it(`${name} removes those of a dead writer of the same target only`, async () => {
      const target = join(directory, `${name}.img`);
      const dead = join(directory, `.${name}.img.${deadPid()}.3.k2j4x1.tmp`);
      const live = join(directory, `.${name}.img.1.7.abcdef.tmp`); // pid 1 always runs
      const other = join(directory, `.other-${name}.img.${deadPid()}.1.aaaaaa.tmp`);
      for (const path of [dead, live, other]) writeFileSync(path, 'partial');
      await write(target);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(other)).toBe(true);
      expect([...readFileSync(target)]).toEqual([1, 2]);
      expect(readdirSync(directory).filter((entry) => entry.startsWith(`.${name}.img.`))).toEqual([
        `.${name}.img.1.7.abcdef.tmp`,
      ]);
    });
  }

  it('a streamed write with a header reserved at the start writes the header last', async () => {
    const target = join(directory, 'wrapped.img');
    async function* chunks() {
      yield new Uint8Array([5, 6]);
      yield new Uint8Array([7]);
    }
    await writeFileAtomic(target, chunks(), { header: { length: 2, bytes: () => new Uint8Array([9, 9]) } });
    expect([...readFileSync(target)]).toEqual([9, 9, 5, 6, 7]);
  });
});
