/**
 * initkit promises not to shell out: no source file of the cpio or initramfs packages may reach for
 * child processes (device nodes and fifos are made through mknod(2), src/node/make-node.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = fileURLToPath(new URL('../../', import.meta.url));

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('no shelling out', () => {
  for (const name of ['cpio', 'initramfs', 'core']) {
    it(`packages/${name}/src imports no child_process`, () => {
      const offenders = sources(join(packages, name, 'src')).filter((file) =>
        /['"](node:)?child_process['"]/.test(readFileSync(file, 'utf8')),
      );
      expect(offenders).toEqual([]);
    });
  }
});
