/**
 * `initkit fdt` against dtc, fdtget and fdtput: dump equals `dtc -I dtb -O dts`, get of every property
 * equals fdtget in each -t format, and random edit sequences through `set` equal fdtput's file byte for
 * byte (on copies of a real Debian armmp blob). Bad input: one line, exit 1, nothing written.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFdt, walkNodes } from '@initkit/fdt';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianKernel } from '../../../test/harness/debian-kernels.js';
import { initkit, repoRoot, run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

const tempDir = useTempDir('initkit-fdt-');
const fixture = (name: string) => join(repoRoot, 'fixtures/fdt', name);

describe('initkit fdt (no oracle needed)', () => {
  it('dump --json gives the tree with typed values', () => {
    const result = initkit(['fdt', 'dump', '--json', fixture('memreserve.dtb')]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.reservations[0]).toEqual({ address: '0x10000000', size: '0x4000' });
    expect(json.root.children.map((child: { path: string }) => child.path)).toEqual([
      '/cpus',
      '/memory@0',
      '/reserved-memory',
    ]);
  });

  it('get --json, -d for missing items, aliases', () => {
    const labels = fixture('labels.dtb');
    const json = JSON.parse(initkit(['fdt', 'get', '--json', labels, 'serial0', 'reg', '/', 'model']).stdout);
    expect(json[0]).toMatchObject({ node: 'serial0', name: 'reg', type: 'cells', value: [0x2000, 0x100] });
    expect(json[1]).toMatchObject({ type: 'strings', value: ['labels and phandles'], text: 'labels and phandles' });
    const missing = initkit(['fdt', 'get', '-d', 'none', labels, '/nothing', 'x', '/', 'nothing']);
    expect(missing).toMatchObject({ status: 0, stdout: 'none\nnone\n' });
  });

  it('bad input: one line naming the problem, exit 1, the file untouched', () => {
    const bad = join(tempDir(), 'bad.dtb');
    const bytes = readFileSync(fixture('labels.dtb'));
    bytes[0] = 0;
    writeFileSync(bad, bytes);
    for (const args of [
      ['dump', bad],
      ['get', bad, '/', 'model'],
      ['set', bad, '/', 'model', '1'],
    ]) {
      const result = initkit(['fdt', ...args]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^initkit: .*bad\.dtb: bad magic.*FDT_BAD_MAGIC/);
    }
    expect(readFileSync(bad)).toEqual(bytes);
    const copy = join(tempDir(), 'copy.dtb');
    copyFileSync(fixture('labels.dtb'), copy);
    const missing = initkit(['fdt', 'set', '-d', copy, '/', 'model', 'nothing']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('FDT_NOT_FOUND');
    expect(readFileSync(copy)).toEqual(readFileSync(fixture('labels.dtb')));
  });

  it('usage errors exit 2', () => {
    const labels = fixture('labels.dtb');
    for (const args of [
      ['get', '-t', 'q', labels, '/', 'model'],
      ['get', labels, '/'],
      ['set', labels, '/'],
      ['set', '-c', '-r', labels, '/x'],
      ['set', labels, '/', 'x', 'notanumber'],
      ['dump'],
    ]) {
      const result = initkit(['fdt', ...args]);
      expect(result.status, args.join(' ')).toBe(2);
    }
  });
});

describe.runIf(hasTools('dtc', 'fdtget', 'fdtput'))('initkit fdt against dtc, fdtget and fdtput', () => {
  let blobs: string[] = [];

  beforeAll(async () => {
    const kernel = await debianKernel('armhf');
    const directory = join(kernel.root, 'usr/lib', `linux-image-${kernel.release}`);
    blobs = ['am335x-boneblack.dtb', 'imx6q-sabrelite.dtb', 'sun7i-a20-cubieboard2.dtb']
      .map((name) => join(directory, name))
      .filter((path) => existsSync(path));
    blobs.push(fixture('labels.dtb'), fixture('values.dtb'));
  }, 600_000);

  it('dump prints what `dtc -I dtb -O dts` prints', () => {
    for (const blob of blobs) {
      const expected = run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', blob]).stdoutBytes;
      expect(initkit(['fdt', 'dump', blob]).stdoutBytes.equals(expected), blob).toBe(true);
    }
  }, 300_000);

  it('get of every property, in every -t format, equals fdtget', () => {
    // One real board and the fixtures: each -t format is one fdtget and one initkit process per blob.
    for (const blob of [blobs[0]!, fixture('labels.dtb'), fixture('values.dtb')]) {
      const tree = parseFdt(new Uint8Array(readFileSync(blob)));
      const pairs: Array<{ path: string; name: string; value: Uint8Array }> = [];
      const nodes: string[] = [];
      for (const { path, node } of walkNodes(tree)) {
        nodes.push(path);
        for (const { name, value } of node.properties) pairs.push({ path, name, value });
      }
      const cases: Array<[string[], (value: Uint8Array) => boolean]> = [
        [[], () => true],
        [['-t', 'x'], () => true],
        [['-t', 'bx'], () => true],
        [['-t', 'hhu'], () => true],
        [['-t', 'i'], () => true],
        [['-t', 'u'], () => true],
        [['-t', 'hx'], (value) => value.length % 2 === 0],
        [['-t', 'lx'], (value) => value.length % 4 === 0],
        [['-t', 's'], (value) => value.length === 0 || value[value.length - 1] === 0],
      ];
      for (const [flags, accepts] of cases) {
        const args = [...flags, blob, ...pairs.filter((pair) => accepts(pair.value)).flatMap((p) => [p.path, p.name])];
        const expected = run('fdtget', args);
        const ours = initkit(['fdt', 'get', ...args]);
        expect(expected.status).toBe(0);
        expect(ours.status, ours.stderr).toBe(0);
        expect(ours.stdoutBytes.equals(expected.stdoutBytes), `${blob} ${flags.join(' ')}`).toBe(true);
      }
      for (const flag of ['-p', '-l']) {
        const expected = run('fdtget', [flag, blob, ...nodes]);
        expect(initkit(['fdt', 'get', flag, blob, ...nodes]).stdout, `${blob} ${flag}`).toBe(expected.stdout);
      }
    }
  }, 300_000);

  it('random edit sequences give the same file as fdtput', () => {
    const source = blobs[0]!;
    const tree = parseFdt(new Uint8Array(readFileSync(source)));
    const nodes = [...walkNodes(tree)].map(({ path, node }) => ({
      path,
      properties: node.properties.map((p) => p.name),
    }));
    const nonRoot = nodes.filter((node) => node.path !== '/');
    const word = fc.stringMatching(/^[a-z][a-z0-9,_-]{0,10}$/);
    const existingNode = fc.constantFrom(...nodes);
    const operation = fc.oneof(
      // set a property (existing or new name) in each value format
      fc
        .record({
          node: existingNode,
          newName: word,
          pickExisting: fc.boolean(),
          pick: fc.nat(),
          format: fc.oneof(
            fc.record({
              flags: fc.constant<string[]>([]),
              values: fc.array(fc.nat({ max: 0xffffffff }).map(String), { maxLength: 4 }),
            }),
            fc.record({
              flags: fc.constant(['-t', 'x']),
              values: fc.array(
                fc.nat({ max: 0xffffffff }).map((n) => n.toString(16)),
                { maxLength: 4 },
              ),
            }),
            fc.record({
              flags: fc.constant(['-t', 'bu']),
              values: fc.array(fc.nat({ max: 255 }).map(String), { maxLength: 6 }),
            }),
            fc.record({
              flags: fc.constant(['-t', 'i']),
              values: fc.array(
                fc.nat({ max: 0x7fffffff }).map((n) => `0x${n.toString(16)}`),
                { maxLength: 3 },
              ),
            }),
            fc.record({ flags: fc.constant(['-t', 's']), values: fc.array(word, { maxLength: 3 }) }),
          ),
        })
        .map(({ node, newName, pickExisting, pick, format }) => {
          const name =
            pickExisting && node.properties.length > 0 ? node.properties[pick % node.properties.length]! : newName;
          return [...format.flags, node.path, name, ...format.values];
        }),
      // set with -p under a new path
      fc
        .tuple(existingNode, word, word)
        .map(([node, child, name]) => ['-p', `${prefix(node.path)}${child}`, name, '1']),
      // create a node (-c), or a chain with -c -p
      fc.tuple(existingNode, word).map(([node, child]) => ['-c', `${prefix(node.path)}${child}`]),
      fc.tuple(existingNode, word, word).map(([node, a, b]) => ['-c', '-p', `${prefix(node.path)}${a}/${b}`]),
      // remove a node, delete properties
      fc.constantFrom(...nonRoot).map((node) => ['-r', node.path]),
      fc
        .tuple(existingNode, fc.nat())
        .map(([node, pick]) =>
          node.properties.length === 0
            ? ['-d', node.path, 'absent']
            : ['-d', node.path, node.properties[pick % node.properties.length]!],
        ),
    );
    let runIndex = 0;
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 4 }), (operations) => {
        const theirs = join(tempDir(), `fdtput-${runIndex}.dtb`);
        const ours = join(tempDir(), `initkit-${runIndex}.dtb`);
        runIndex++;
        copyFileSync(source, theirs);
        copyFileSync(source, ours);
        for (const operation of operations) {
          const expected = run('fdtput', insertFile(operation, theirs));
          const result = initkit(['fdt', 'set', ...insertFile(operation, ours)]);
          expect(result.status === 0, `${operation.join(' ')}: ${result.stderr} / ${expected.stderr}`).toBe(
            expected.status === 0,
          );
          if (result.status !== 0) expect(result.stderr.trim().split('\n')).toHaveLength(1);
          expect(readFileSync(ours).equals(readFileSync(theirs)), operation.join(' ')).toBe(true);
        }
      }),
      { numRuns: 12 },
    );
  }, 300_000);
});

function prefix(path: string): string {
  return path === '/' ? '/' : `${path}/`;
}

/** Puts the file after the leading flags, where fdtput expects it. */
function insertFile(operation: string[], file: string): string[] {
  let index = 0;
  while (index < operation.length && operation[index]!.startsWith('-')) index += operation[index] === '-t' ? 2 : 1;
  return [...operation.slice(0, index), file, ...operation.slice(index)];
}
