/**
 * Fuzzing the text parsers, the database, signatures and the kernel version probe: random and mutated
 * input returns or throws InitkitError, nothing else.
 */
import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { kernelVersion } from '../src/kernel-version.js';
import { ModuleDatabase } from '../src/module-database.js';
import { probeList } from '../src/resolve.js';
import { readModuleSignature } from '../src/signature.js';
import { parseBuiltinModinfo, parseModulesAlias, parseModulesDep, parseModulesSoftdep } from '../src/text-files.js';

function returnsOrThrowsInitkitError(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
  }
}

const lineText = fc.string({ unit: fc.constantFrom(...'ab-_.:/ *?[]!\n\t#ko'.split('')), maxLength: 200 });

describe('fuzz', () => {
  it('text parsers and a database built from random files', () => {
    fc.assert(
      fc.property(lineText, lineText, lineText, fc.string({ maxLength: 20 }), (dep, alias, softdep, query) => {
        returnsOrThrowsInitkitError(() => parseModulesDep(dep));
        returnsOrThrowsInitkitError(() => parseModulesAlias(alias));
        returnsOrThrowsInitkitError(() => parseModulesSoftdep(softdep));
        returnsOrThrowsInitkitError(() => {
          const database = new ModuleDatabase(
            new Map([
              ['modules.dep', dep],
              ['modules.alias', alias],
              ['modules.softdep', softdep],
            ]),
          );
          probeList(database, query);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('modules.builtin.modinfo, signatures and kernel images from random bytes', () => {
    const magic = new TextEncoder().encode('~Module signature appended~\n');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        returnsOrThrowsInitkitError(() => parseBuiltinModinfo(bytes));
        const signed = new Uint8Array(bytes.length + magic.length);
        signed.set(bytes);
        signed.set(magic, bytes.length);
        if (bytes.length >= 12) signed[bytes.length - 10] = 2; // id type PKCS#7: exercise the DER walk
        returnsOrThrowsInitkitError(() => readModuleSignature(signed));
        returnsOrThrowsInitkitError(() => kernelVersion(bytes));
        const zImage = new Uint8Array(Math.max(0x30, bytes.length));
        zImage.set(bytes.subarray(0, zImage.length));
        new DataView(zImage.buffer).setUint32(0x24, 0x016f2818, true);
        returnsOrThrowsInitkitError(() => kernelVersion(zImage));
      }),
      { numRuns: 400 },
    );
  });
});
