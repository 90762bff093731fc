/**
 * Runs one saved fuzz input against its target in this process, to debug what the watchdog reported:
 *
 *   npx tsx test/fuzz/reproduce.ts "<target name>" test/.artifacts/fuzz/<file>.bin
 *
 * Prints "survived" when the parser returned or threw an InitkitError; otherwise the error propagates
 * (and a hang hangs here too, where a debugger or --cpu-prof can see it).
 */
import { readFileSync } from 'node:fs';
import { survives } from './survives.js';
import { TARGETS } from './targets.js';

const [name, file] = process.argv.slice(2);
const target = TARGETS.find((candidate) => candidate.name === name);
if (!target || !file) {
  console.error(`usage: reproduce.ts TARGET FILE; targets: ${TARGETS.map((t) => JSON.stringify(t.name)).join(', ')}`);
  process.exit(2);
}
const input = new Uint8Array(readFileSync(file));
survives(target, input);
console.log(`${target.name}: survived the ${input.length}-byte input`);
