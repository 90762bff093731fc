import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodeAck, encodeData, encodeError, encodeOack, encodeRequest, Opcode } from '../src/index.js';

const latin1Text = fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((code) => String.fromCharCode(code)) });

describe('packet codec', () => {
  it('encodes a read request byte for byte as RFC 1350 and RFC 2347 lay it out', () => {
    const packet = encodeRequest(Opcode.RRQ, 'boot.scr', 'octet', [['blksize', '1468']]);
    expect(Buffer.from(packet).toString('latin1')).toBe('\x00\x01boot.scr\x00octet\x00blksize\x001468\x00');
    expect([...encodeAck(0x1234)]).toEqual([0, 4, 0x12, 0x34]);
    expect([...encodeData(65535, Uint8Array.of(9))]).toEqual([0, 3, 0xff, 0xff, 9]);
    expect(Buffer.from(encodeError(1, 'File not found')).toString('latin1')).toBe('\x00\x05\x00\x01File not found\x00');
    expect(Buffer.from(encodeOack([['tsize', '7']])).toString('latin1')).toBe('\x00\x06tsize\x007\x00');
  });

  it('round-trips every packet type', () => {
    fc.assert(
      fc.property(
        latin1Text.filter((name) => name.length > 0),
        fc.constantFrom('octet', 'netascii'),
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[0-9]{1,6}$/)), {
          selector: ([name]) => name,
          maxLength: 5,
        }),
        fc.integer({ min: 0, max: 65535 }),
        fc.uint8Array({ maxLength: 600 }),
        (name, mode, options, block, data) => {
          const request = decodePacket(encodeRequest(Opcode.WRQ, name, mode, options));
          expect(request).toEqual({ opcode: Opcode.WRQ, filename: name, mode, options: new Map(options) });
          expect(decodePacket(encodeOack(options))).toEqual({ opcode: Opcode.OACK, options: new Map(options) });
          expect(decodePacket(encodeAck(block))).toEqual({ opcode: Opcode.ACK, block });
          const decoded = decodePacket(encodeData(block, data));
          expect(decoded.opcode === Opcode.DATA && [...decoded.data]).toEqual([...data]);
          expect(decodePacket(encodeError(block, name))).toEqual({
            opcode: Opcode.ERROR,
            errorCode: block,
            message: name,
          });
        },
      ),
    );
  });

  it('reports malformed packets with TFTP_BAD_PACKET and the offset of the problem', () => {
    const cases: [number[], number][] = [
      [[0], 0], // no opcode
      [[0, 9], 0], // unknown opcode
      [[0, 1, 0x61, 0x62], 2], // file name without NUL
      [[0, 1, 0x61, 0, 0x6f], 4], // mode without NUL
      [[0, 4, 0], 2], // short ACK
      [[0, 4, 0, 1, 0], 4], // long ACK
      [[0, 6, 0x61, 0], 4], // option without a value
    ];
    for (const [bytes, offset] of cases) {
      let caught: unknown;
      try {
        decodePacket(Uint8Array.from(bytes));
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(bytes)).toBeInstanceOf(InitkitError);
      expect((caught as InitkitError).code).toBe('TFTP_BAD_PACKET');
      expect((caught as InitkitError).offset, JSON.stringify(bytes)).toBe(offset);
    }
  });

  it('lower-cases option names and keeps the first of duplicates', () => {
    const packet = decodePacket(Buffer.from('\x00\x01f\x00OCTET\x00BlkSize\x00100\x00blksize\x00200\x00', 'latin1'));
    expect(packet).toEqual({
      opcode: Opcode.RRQ,
      filename: 'f',
      mode: 'octet',
      options: new Map([['blksize', '100']]),
    });
  });

  it('accepts an ERROR packet whose message lacks the NUL', () => {
    expect(decodePacket(Buffer.from('\x00\x05\x00\x02denied', 'latin1'))).toEqual({
      opcode: Opcode.ERROR,
      errorCode: 2,
      message: 'denied',
    });
  });

  it('returns or throws InitkitError for random and mutated datagrams, nothing else', () => {
    const valid = [
      encodeRequest(Opcode.RRQ, 'kernel', 'octet', [['tsize', '0']]),
      encodeOack([['blksize', '512']]),
      encodeError(1, 'x'),
      encodeAck(1),
    ];
    const check = (bytes: Uint8Array) => {
      try {
        decodePacket(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(InitkitError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), check), { numRuns: 2000 });
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 40 }),
        (packet, at, value, cut) => {
          const mutated = Uint8Array.from(packet);
          if (at < mutated.length) mutated[at] = value;
          check(mutated.subarray(0, Math.max(0, mutated.length - cut)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses names with a NUL byte', () => {
    expect(() => encodeRequest(Opcode.RRQ, 'a\0b', 'octet')).toThrow(/NUL/);
  });
});
