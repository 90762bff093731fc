/**
 * Transfers through the lossy relay from test/harness: 10% of datagrams dropped, duplicated, delayed and
 * reordered, in both directions of the relay. Reads and writes must still deliver every byte, lock-step
 * and windowed, against our server and tftpd-hpa. Short retransmission timeouts keep this fast; the
 * client sends them to the server as utimeout.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { startTftpdHpa, type TftpdHpa } from '../../../test/harness/tftpd-hpa.js';
import { hasTools } from '../../../test/harness/tools.js';
import { type RelayFaults, startUdpRelay, type UdpRelay } from '../../../test/harness/udp-relay.js';
import { startTftpServer, type TftpServer, tftpGet, tftpPut } from '../src/index.js';

const temp = useTempDir('initkit-tftp-lossy-');
const FAULTS: RelayFaults = { drop: 0.1, duplicate: 0.1, delay: 0.1, reorder: 0.1, maxExtraDelayMs: 15 };
const robust = { timeout: 40, retries: 12 };

async function relayTo(port: number, seed: number): Promise<UdpRelay> {
  return startUdpRelay({ target: { address: '127.0.0.1', port }, toServer: FAULTS, toClient: FAULTS, seed });
}

function expectFaultsHappened(relay: UdpRelay): void {
  expect(relay.stats.dropped).toBeGreaterThan(0);
  expect(relay.stats.duplicated).toBeGreaterThan(0);
  expect(relay.stats.delayed).toBeGreaterThan(0);
  expect(relay.stats.reordered).toBeGreaterThan(0);
}

describe('through a relay that drops, duplicates, delays and reorders 10% each way', () => {
  let server: TftpServer;
  let root: string;
  const data = randomBytes(200_000);

  beforeAll(async () => {
    root = temp();
    writeFileSync(join(root, 'payload'), data);
    server = await startTftpServer({ root, port: 0, address: '127.0.0.1', allowWrite: true });
  });
  afterAll(() => server?.close());

  it.each([
    ['lock-step, blksize 512', { blksize: 512, windowsize: 1 }, 11],
    ['windowsize 8, blksize 1468', { blksize: 1468, windowsize: 8 }, 12],
    ['windowsize 16, blksize 8192', { blksize: 8192, windowsize: 16 }, 13],
  ])('reads from our server: %s', async (_label, extra, seed) => {
    const relay = await relayTo(server.port, seed);
    try {
      const got = (await tftpGet({ host: '127.0.0.1', port: relay.port, file: 'payload', ...robust, ...extra })).data;
      expect(Buffer.compare(Buffer.from(got), data)).toBe(0);
      expectFaultsHappened(relay);
    } finally {
      await relay.close();
    }
  });

  it.each([
    ['lock-step, blksize 512', { blksize: 512, windowsize: 1 }, 21],
    ['windowsize 8, blksize 1468', { blksize: 1468, windowsize: 8 }, 22],
  ])('writes to our server: %s', async (_label, extra, seed) => {
    const relay = await relayTo(server.port, seed);
    try {
      const name = `written-${seed}`;
      await tftpPut({ host: '127.0.0.1', port: relay.port, file: name, data, ...robust, ...extra });
      expect(Buffer.compare(readFileSync(join(root, name)), data)).toBe(0);
      expectFaultsHappened(relay);
    } finally {
      await relay.close();
    }
  });

  describe.runIf(hasTools('in.tftpd'))('with tftpd-hpa behind the relay', () => {
    let daemon: TftpdHpa;
    beforeAll(async () => {
      daemon = await startTftpdHpa({ root, allowCreate: true });
    });
    afterAll(() => daemon?.stop());

    it('reads from tftpd-hpa', async () => {
      const relay = await relayTo(daemon.port, 31);
      try {
        const got = (await tftpGet({ host: '127.0.0.1', port: relay.port, file: 'payload', blksize: 1468, ...robust }))
          .data;
        expect(Buffer.compare(Buffer.from(got), data)).toBe(0);
        expectFaultsHappened(relay);
      } finally {
        await relay.close();
      }
    });

    it('writes to tftpd-hpa', async () => {
      const relay = await relayTo(daemon.port, 32);
      try {
        // tftpd-hpa waits for a repeated last block only once after its final ACK; when that ACK and the
        // answer to our repeat are both lost, the file is whole but the client cannot know it. That case
        // must end in the timeout that says so, and nothing else.
        const outcome = await tftpPut({
          host: '127.0.0.1',
          port: relay.port,
          file: 'hpa-written',
          data,
          blksize: 1468,
          ...robust,
        }).catch((error: Error) => error);
        if (outcome instanceof Error) {
          expect(outcome.message).toMatch(/the last block \(\d+\) was not acknowledged/);
        }
        expect(Buffer.compare(readFileSync(join(root, 'hpa-written')), data)).toBe(0);
        expectFaultsHappened(relay);
      } finally {
        await relay.close();
      }
    });
  });
});
