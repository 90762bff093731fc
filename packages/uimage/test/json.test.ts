/**
 * uimageToJson: the header fields as `initkit uimage list --json` prints them, the coded fields named
 * (null for a code mkimage does not know), and file offsets that follow the size table and its padding.
 */
import { describe, expect, it } from 'vitest';
import { codeToJson, createUImage, parseUImage, uimageToJson } from '../src/index.js';

describe('uimageToJson', () => {
  it('a multi image: every header field, named codes, and where each file lies', () => {
    const files = [new Uint8Array(5), new Uint8Array(8), new Uint8Array(3)];
    const image = parseUImage(
      createUImage({
        arch: 'arm',
        type: 'multi',
        compression: 'none',
        name: 'multi',
        time: 1700000000,
        load: 0x8000,
        files,
      }),
    );
    const json = uimageToJson(image);
    expect(json).toMatchObject({
      name: 'multi',
      created: '2023-11-14T22:13:20.000Z',
      time: 1700000000,
      os: { code: 5, name: 'linux' },
      arch: { code: 2, name: 'arm' },
      type: { code: 4, name: 'multi' },
      compression: { code: 0, name: 'none' },
      payloadOffset: 64,
      loadAddress: '0x00008000',
      entryPoint: '0x00008000',
      dataCrcOk: true,
    });
    expect(json.headerCrc).toBe(`0x${image.header.headerCrc.toString(16).padStart(8, '0')}`);
    // The size table is 4 bytes per file plus a terminating 0; each file but the last is padded to 4 bytes.
    expect(json.files).toEqual([
      { index: 0, offset: 64 + 16, size: 5 },
      { index: 1, offset: 64 + 16 + 8, size: 8 },
      { index: 2, offset: 64 + 16 + 8 + 8, size: 3 },
    ]);
  });

  it('a code mkimage does not know has a null name', () => {
    expect(codeToJson('arch', 250)).toEqual({ code: 250, name: null });
  });
});
