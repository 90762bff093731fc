import { describe, expect, it } from 'vitest';
import { acceptOack, clientOptions, negotiateServerOptions, type TftpError } from '../src/index.js';

const limits = { maxBlksize: 65464, maxWindowsize: 64, maxWindowBytes: 4 << 20 };

describe('option negotiation', () => {
  it('builds a client request, with utimeout for fractions of a second', () => {
    expect(clientOptions({ blksize: 1468, windowsize: 16, timeoutMs: 2000, tsize: 0 })).toEqual([
      ['blksize', '1468'],
      ['tsize', '0'],
      ['timeout', '2'],
      ['windowsize', '16'],
    ]);
    expect(clientOptions({ blksize: 512, windowsize: 1, timeoutMs: 150, tsize: undefined })).toEqual([
      ['utimeout', '150000'],
    ]);
  });

  it('accepts an OACK that lowers blksize and windowsize', () => {
    const requested: [string, string][] = [
      ['blksize', '65464'],
      ['tsize', '0'],
      ['windowsize', '16'],
    ];
    const oack = new Map([
      ['blksize', '1468'],
      ['tsize', '1234'],
      ['windowsize', '4'],
    ]);
    expect(acceptOack(oack, requested, 'server')).toEqual({
      blksize: 1468,
      windowsize: 4,
      tsize: 1234,
      timeoutMs: undefined,
    });
  });

  it('rejects an OACK with options not asked for or values raised', () => {
    const requested: [string, string][] = [['blksize', '1024']];
    const code = (oack: Map<string, string>) => {
      try {
        acceptOack(oack, requested, 'server');
      } catch (error) {
        return (error as TftpError).code;
      }
      return 'accepted';
    };
    expect(code(new Map([['blksize', '2048']]))).toBe('TFTP_BAD_OACK');
    expect(code(new Map([['blksize', '7']]))).toBe('TFTP_BAD_OACK');
    expect(code(new Map([['windowsize', '4']]))).toBe('TFTP_BAD_OACK');
    expect(code(new Map([['blksize', '1024']]))).toBe('accepted');
  });

  it('server: clamps blksize, answers tsize in octet mode only, ignores invalid values', () => {
    const options = new Map([
      ['blksize', '99999'],
      ['tsize', '0'],
      ['timeout', '300'],
      ['windowsize', '8'],
      ['unknown', 'x'],
    ]);
    const octet = negotiateServerOptions(options, 'octet', 5000, limits);
    expect(octet.acknowledged).toEqual([
      ['blksize', '65464'],
      ['tsize', '5000'],
      ['windowsize', '8'],
    ]);
    const netascii = negotiateServerOptions(options, 'netascii', 5000, limits);
    expect(netascii.acknowledged.map(([name]) => name)).toEqual(['blksize', 'windowsize']);
    expect(negotiateServerOptions(new Map([['blksize', '4']]), 'octet', 1, limits).acknowledged).toEqual([]);
  });

  it('server: lowers windowsize so one window stays within maxWindowBytes', () => {
    const agreed = negotiateServerOptions(
      new Map([
        ['blksize', '65464'],
        ['windowsize', '64'],
      ]),
      'octet',
      1,
      { ...limits, maxWindowBytes: 1 << 20 },
    );
    expect(agreed.parameters.windowsize).toBe(16);
    expect(agreed.acknowledged).toContainEqual(['windowsize', '16']);
  });
});
