import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInitkitError } from '@initkit/core';
import { createUImage } from '@initkit/uimage';
import { describe, expect, it } from 'vitest';
import { compileScript, decompileScript, isScriptImage, unwrapScriptImage, wrapScriptImage } from '../src/index.js';

const fixtures = join(import.meta.dirname, '../../../fixtures/bootscript');
/** fixtures/regenerate.sh makes the images with SOURCE_DATE_EPOCH=1700000000. */
const EPOCH = 1700000000;

describe('script images against mkimage', () => {
  const names = readdirSync(join(fixtures, 'scripts')).map((file) => file.replace(/\.txt$/, ''));

  it.each(names)('%s: compile gives the bytes mkimage made, decompile gives the text back', (name) => {
    const text = readFileSync(join(fixtures, 'scripts', `${name}.txt`), 'utf8');
    const made = new Uint8Array(readFileSync(join(fixtures, 'images', `${name}.scr`)));
    expect(compileScript(text, { name, time: EPOCH })).toEqual(made);
    expect(decompileScript(made)).toBe(text);
    expect(isScriptImage(made)).toBe(true);
  });

  it('an image without -n has an empty name', () => {
    const text = readFileSync(join(fixtures, 'scripts/scaleway.txt'), 'utf8');
    const made = new Uint8Array(readFileSync(join(fixtures, 'images/unnamed.scr')));
    expect(wrapScriptImage(text, { time: EPOCH })).toEqual(made);
  });

  it('unwrap stops at a NUL and returns exactly the first table entry', () => {
    const image = wrapScriptImage(new Uint8Array([0x65, 0x63, 0x68, 0x6f, 0x00, 0x78]), { time: 0 });
    const script = unwrapScriptImage(image);
    expect(script.bytes.length).toBe(6);
    expect(script.text).toBe('echo');
  });

  it('refuses images of another type, empty scripts and bad CRCs with typed errors', () => {
    const kernel = createUImage({ data: new Uint8Array(8), type: 'kernel', time: 0 });
    expect(() => unwrapScriptImage(kernel)).toThrow(expect.objectContaining({ code: 'BOOTSCRIPT_NOT_SCRIPT' }));
    const empty = createUImage({ files: [new Uint8Array(0)], type: 'script', time: 0 });
    expect(() => unwrapScriptImage(empty)).toThrow(expect.objectContaining({ code: 'BOOTSCRIPT_EMPTY' }));
    const damaged = wrapScriptImage('echo hi\n', { time: 0 });
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
    expect(() => unwrapScriptImage(damaged)).toThrow(expect.objectContaining({ code: 'UIMAGE_BAD_DCRC' }));
    expect(unwrapScriptImage(damaged, { verifyChecksums: false }).text).toBe('echo hi\x0b');
  });

  it('compile refuses text with a syntax error unless told not to', () => {
    let caught: unknown;
    try {
      compileScript('if true; then echo x\n');
    } catch (error) {
      caught = error;
    }
    expect(isInitkitError(caught, 'BOOTSCRIPT_SYNTAX')).toBe(true);
    expect(compileScript('if true; then echo x\n', { validate: false, time: 0 }).length).toBe(64 + 8 + 21);
  });
});
