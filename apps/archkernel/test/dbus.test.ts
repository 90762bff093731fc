/**
 * The D-Bus step against a real dbus-daemon: a stand-in for systemd owns org.freedesktop.systemd1 and
 * records the StartUnit call archkernel-load makes; without it, the bus's error comes back as
 * ARCHKERNEL_DBUS. The peer-to-peer connection to systemd's own /run/systemd/private is proven in the C1
 * rig (test/c1/archkernel-chain.test.ts), where the unit runs before the system bus exists.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dbus from '@homebridge/dbus-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import { startUnit, systemdSocket } from '../src/dbus.js';

/** The part of dbus-native's MessageBus the stand-in uses (its typings leave these out). */
interface ServiceBus {
  requestName(name: string, flags: number, callback: (error: unknown) => void): void;
  exportInterface(object: object, path: string, description: object): void;
  connection: { stream: { destroy(): void } };
}

describe.runIf(hasTools('dbus-daemon'))('StartUnit over D-Bus', () => {
  let dir: string;
  let socket: string;
  let daemon: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archkernel-dbus-'));
    socket = join(dir, 'bus');
    writeFileSync(
      join(dir, 'bus.conf'),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>custom</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>`,
    );
    daemon = spawn('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--nopidfile'], {
      stdio: 'ignore',
    });
    for (let waited = 0; !existsSync(socket) && waited < 20_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
  });

  afterAll(() => {
    daemon?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an absent systemd is an ARCHKERNEL_DBUS error carrying the bus error', { timeout: 60_000 }, async () => {
    await expect(startUnit({ socket, timeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'ARCHKERNEL_DBUS',
      message: expect.stringContaining('org.freedesktop.DBus.Error.ServiceUnknown'),
    });
  });

  it('asks systemd for kexec.target, replace-irreversibly, and returns the job', { timeout: 60_000 }, async () => {
    const calls: string[][] = [];
    const service = (dbus as unknown as { createClient(options: { socket: string }): ServiceBus }).createClient({
      socket,
    });
    await new Promise<void>((resolve, reject) =>
      service.requestName('org.freedesktop.systemd1', 0, (error: unknown) => (error ? reject(error) : resolve())),
    );
    service.exportInterface(
      {
        StartUnit(unit: string, mode: string) {
          calls.push([unit, mode]);
          return '/org/freedesktop/systemd1/job/42';
        },
      },
      '/org/freedesktop/systemd1',
      {
        name: 'org.freedesktop.systemd1.Manager',
        methods: { StartUnit: ['ss', 'o', ['name', 'mode'], ['job']] },
        signals: {},
        properties: {},
      },
    );
    try {
      expect(await startUnit({ socket, timeoutMs: 20_000 })).toBe('/org/freedesktop/systemd1/job/42');
      expect(calls).toEqual([['kexec.target', 'replace-irreversibly']]);
    } finally {
      service.connection.stream.destroy();
    }
  });
});

describe('where systemd is asked', () => {
  it('its private socket, peer to peer, when it exists; else the system bus with Hello', () => {
    const dir = mkdtempSync(join(tmpdir(), 'archkernel-private-'));
    try {
      const privateSocket = join(dir, 'private');
      const systemBus = join(dir, 'system_bus_socket');
      expect(systemdSocket(privateSocket, systemBus)).toEqual({ socket: systemBus, direct: false });
      writeFileSync(privateSocket, '');
      expect(systemdSocket(privateSocket, systemBus)).toEqual({ socket: privateSocket, direct: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
