/**
 * The page's pure pieces without a browser: the hex view against `hexdump -C -v`, the sizes the treemap
 * sums (hard links counted once), and the squarified layout (boxes tile the rectangle, areas follow sizes).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runOk } from '../../../test/harness/run.js';
import { hasTools } from '../../../test/harness/tools.js';
import type { TreeRow } from '../src/inspect.js';
import { hexLines, looksLikeText } from '../src/views/preview.js';
import { type SizeNode, sizeTree, squarify } from '../src/views/treemap.js';

describe.runIf(hasTools('hexdump'))('hex view', () => {
  it('prints what hexdump -C -v prints (less its final offset line), for full and partial last lines', () => {
    for (const length of [0, 1, 15, 16, 17, 100, 4096]) {
      const bytes =
        length === 100 ? new TextEncoder().encode('#!/bin/sh\n'.repeat(10)) : new Uint8Array(randomBytes(length));
      const native = runOk('hexdump', ['-C', '-v'], { input: bytes }).stdout.split('\n').slice(0, -2);
      const ours = length === 0 ? [] : hexLines(bytes).split('\n');
      expect(ours).toEqual(native);
    }
  });
});

describe('text or binary', () => {
  it('text is UTF-8 without NUL bytes; a multi-byte character cut by the preview window is still text', () => {
    expect(looksLikeText(new TextEncoder().encode('#!/bin/sh\necho é\n'))).toBe(true);
    expect(looksLikeText(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1]))).toBe(false);
    expect(looksLikeText(new Uint8Array([0xff, 0xfe, 0x41]))).toBe(false);
    const long = new TextEncoder().encode(`${'a'.repeat(4095)}é and more`);
    expect(looksLikeText(long)).toBe(true);
  });
});

function row(name: string, type: string, size = 0, nlink = 1): TreeRow {
  return { name, type, size, nlink, permissions: '0644', uid: 0, gid: 0, mtime: 0, member: 0 };
}

describe('treemap', () => {
  it('sums file sizes by directory, hard-linked names sharing one size', () => {
    const root = sizeTree([
      row('.', 'directory'),
      row('bin', 'directory'),
      row('bin/busybox', 'file', 1000, 2),
      row('bin/sh', 'file', 1000, 2),
      row('lib', 'directory'),
      row('lib/a.ko', 'file', 300),
      row('lib/x', 'directory'),
      row('lib/x/b', 'file', 200),
      row('init', 'symlink', 7),
    ]);
    expect(root.size).toBe(1500);
    expect(root.children.get('bin')!.size).toBe(1000);
    expect(root.children.get('lib')!.size).toBe(500);
    expect(root.children.get('lib')!.children.get('x')!.size).toBe(200);
    expect(root.children.get('init')!.size).toBe(0);
  });

  it('squarify tiles the rectangle: areas proportional to sizes, no box outside it', () => {
    const sizes = [500, 250, 120, 60, 40, 20, 7, 3];
    const nodes: SizeNode[] = sizes.map((size, index) => ({
      name: `n${index}`,
      path: `n${index}`,
      size,
      children: new Map(),
      isDirectory: false,
    }));
    const [width, height] = [960, 420];
    const boxes = squarify(nodes, 0, 0, width, height);
    expect(boxes.map((box) => box.node.size)).toEqual(sizes);
    const total = sizes.reduce((a, b) => a + b, 0);
    let area = 0;
    for (const box of boxes) {
      expect(box.x).toBeGreaterThanOrEqual(-1e-9);
      expect(box.y).toBeGreaterThanOrEqual(-1e-9);
      expect(box.x + box.w).toBeLessThanOrEqual(width + 1e-6);
      expect(box.y + box.h).toBeLessThanOrEqual(height + 1e-6);
      expect(box.w * box.h).toBeCloseTo((box.node.size / total) * width * height, 6);
      area += box.w * box.h;
    }
    expect(area).toBeCloseTo(width * height, 6);
    // No two boxes overlap.
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) {
        const overlap =
          Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 1e-6 &&
          Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 1e-6;
        expect(overlap).toBe(false);
      }
  });
});
