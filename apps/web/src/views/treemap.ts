/**
 * Where the space goes: a squarified treemap (Bruls, Huizing, van Wijk) of the merged tree's file sizes
 * by directory, drawn as SVG, two levels deep from the directory shown. Clicking a box opens it.
 */

import { humanSize } from '../dom.js';
import type { TreeRow } from '../inspect.js';

export interface SizeNode {
  name: string;
  path: string;
  size: number;
  children: Map<string, SizeNode>;
  isDirectory: boolean;
}

/**
 * Sizes summed by directory, from the merged tree's rows. A regular file counts its size; the names of
 * a hard-linked file (busybox's applets) share it, so the total is the space the files take once.
 */
export function sizeTree(rows: readonly TreeRow[]): SizeNode {
  const root: SizeNode = { name: '/', path: '.', size: 0, children: new Map(), isDirectory: true };
  for (const row of rows) {
    if (row.name === '.') continue;
    const parts = row.name.split('/');
    const share = row.type !== 'file' ? 0 : row.nlink > 1 ? row.size / row.nlink : row.size;
    let node = root;
    node.size += share;
    parts.forEach((part, index) => {
      let child = node.children.get(part);
      if (!child) {
        child = {
          name: part,
          path: parts.slice(0, index + 1).join('/'),
          size: 0,
          children: new Map(),
          isDirectory: index < parts.length - 1 || row.type === 'directory',
        };
        node.children.set(part, child);
      }
      child.size += share;
      node = child;
    });
  }
  return root;
}

interface Box {
  node: SizeNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

function worst(row: number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  return Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
}

/** Lays `nodes` (sorted largest first) into the rectangle, rows along the shorter side. */
export function squarify(nodes: SizeNode[], x: number, y: number, w: number, h: number): Box[] {
  const total = nodes.reduce((sum, node) => sum + node.size, 0);
  if (total <= 0 || w <= 0 || h <= 0) return [];
  const scale = (w * h) / total;
  const areas = nodes.map((node) => node.size * scale);
  const boxes: Box[] = [];
  let start = 0;
  while (start < nodes.length) {
    const side = Math.min(w, h);
    let end = start + 1;
    while (end < nodes.length && worst(areas.slice(start, end + 1), side) <= worst(areas.slice(start, end), side))
      end++;
    const rowArea = areas.slice(start, end).reduce((a, b) => a + b, 0);
    const thickness = rowArea / side;
    let along = 0;
    for (let i = start; i < end; i++) {
      const length = areas[i]! / thickness;
      if (w >= h) boxes.push({ node: nodes[i]!, x, y: y + along, w: thickness, h: length });
      else boxes.push({ node: nodes[i]!, x: x + along, y, w: length, h: thickness });
      along += length;
    }
    if (w >= h) {
      x += thickness;
      w -= thickness;
    } else {
      y += thickness;
      h -= thickness;
    }
    start = end;
  }
  return boxes;
}

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function sortedChildren(node: SizeNode): SizeNode[] {
  return [...node.children.values()].filter((child) => child.size > 0).sort((a, b) => b.size - a.size);
}

/** Levels drawn below the directory shown; deeper ones need a click. */
const DEPTH = 7;
/** Room a directory's label takes at the top of its box. */
const LABEL = 14;

export function treemapElement(
  directory: SizeNode,
  open: (path: string) => void,
  width = 960,
  height = 420,
): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'treemap', role: 'img' });
  root.setAttribute('aria-label', `space used under ${directory.path}`);
  const draw = (node: SizeNode, x: number, y: number, w: number, h: number, depth: number, colour?: string) => {
    squarify(sortedChildren(node), x, y, w, h).forEach((box, index) => {
      const fill = colour ?? COLOURS[index % COLOURS.length]!;
      const group = svg('g', { 'data-path': box.node.path });
      const title = svg('title', {});
      title.textContent = `${box.node.path}: ${humanSize(box.node.size)}`;
      group.appendChild(title);
      group.appendChild(
        svg('rect', {
          x: box.x,
          y: box.y,
          width: box.w,
          height: box.h,
          fill,
          'fill-opacity': depth === 0 ? 1 : 0.35 + 0.15 * (depth % 2),
          stroke: '#fff',
        }),
      );
      if (box.w > 50 && box.h > LABEL) {
        const label = svg('text', { x: box.x + 3, y: box.y + 11, fill: '#fff', 'font-size': 10 });
        label.textContent = `${box.node.name} ${humanSize(box.node.size)}`;
        group.appendChild(label);
      }
      group.addEventListener('click', (event) => {
        event.stopPropagation();
        open(box.node.path);
      });
      group.style.cursor = 'pointer';
      root.appendChild(group);
      // Nested boxes inside directories, so the big files deep down show without clicking through.
      if (
        box.node.isDirectory &&
        depth + 1 < DEPTH + (box.node.children.size > 1 ? 0 : 1) &&
        box.w > 30 &&
        box.h > LABEL + 16
      ) {
        // A directory with one child is a path step, not a level: it costs no depth.
        const step = box.node.children.size > 1 ? 1 : 0;
        draw(box.node, box.x + 2, box.y + LABEL, box.w - 4, box.h - LABEL - 2, depth + step, fill);
      }
    });
  };
  draw(directory, 0, 0, width, height, 0);
  return root;
}
