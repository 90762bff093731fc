/**
 * The nbd-server harness starts Debian's nbd-server on a free loopback port, exports the image under its
 * name (Debian's nbd-client lists it), and stop() ends it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NbdServer, startNbdServer } from '../harness/nbd-server.js';
import { useTempDir } from '../harness/temp.js';
import { hasTools } from '../harness/tools.js';

describe.runIf(hasTools('nbd-server', 'nbd-client'))('nbd-server harness', () => {
  const temp = useTempDir();
  let server: NbdServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('exports the image under its name, and stops', async () => {
    const image = join(temp(), 'disk.img');
    writeFileSync(image, Buffer.alloc(1 << 20));
    server = await startNbdServer({ image, exportName: 'c1root', readOnly: true });
    const listing = execFileSync('nbd-client', ['-l', server.address, String(server.port)], { encoding: 'utf8' });
    expect(listing.split('\n')).toContain('c1root');
    const { address, port } = server;
    await server.stop();
    server = undefined;
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
