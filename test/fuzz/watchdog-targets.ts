/**
 * Targets for watchdog.test.ts only, never fuzzed in CI: one that loops forever on one input, one that
 * throws a TypeError, one that returns for everything.
 */
import type { Target } from './targets.js';

/** The one input the looping target never returns from. */
export const HANGING_INPUT = new TextEncoder().encode('hang!');

const isHangingInput = (bytes: Uint8Array) =>
  bytes.length === HANGING_INPUT.length && bytes.every((byte, index) => byte === HANGING_INPUT[index]);

export const TARGETS: Target[] = [
  {
    name: 'loops forever on "hang!"',
    corpus: () => [new Uint8Array([1, 2, 3]), HANGING_INPUT],
    parse: (bytes) => {
      let spins = 0;
      while (isHangingInput(bytes)) spins++;
      return spins;
    },
  },
  {
    name: 'throws a TypeError on 0xff',
    corpus: () => [new Uint8Array([0]), new Uint8Array([0xff, 0xfe])],
    parse: (bytes) => {
      if (bytes[0] === 0xff) throw new TypeError('not a parser error');
    },
  },
  { name: 'returns for everything', corpus: () => [new Uint8Array([0])], parse: (bytes) => bytes.length },
];
