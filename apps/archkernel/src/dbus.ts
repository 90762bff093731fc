/**
 * Asking systemd to kexec: StartUnit("kexec.target", "replace-irreversibly"), as `systemctl kexec` does.
 * systemd then stops the system, switches into the shutdown exitrd (which detaches the NBD root) and
 * jumps into the loaded kernel. Like systemctl running as root, it talks to PID 1 directly on
 * /run/systemd/private (a peer-to-peer D-Bus connection: no bus daemon, no Hello), which exists from
 * PID 1's start: the unit runs before local-fs-pre.target, long before dbus.service brings up the system
 * bus. The system bus is the fallback. Uses @homebridge/dbus-native, loaded only here (the cached dry run
 * never pays for it).
 */
import { existsSync } from 'node:fs';
import { appError } from './errors.js';

export interface StartUnitOptions {
  /** The socket (root prefix applied): systemd's private socket, or the system bus. */
  socket: string;
  /** A peer-to-peer connection to systemd itself (its private socket): no Hello, no bus daemon. */
  direct?: boolean;
  unit?: string;
  mode?: string;
  timeoutMs?: number;
}

/** Returns the job's object path. */
export async function startUnit(options: StartUnitOptions): Promise<string> {
  const unit = options.unit ?? 'kexec.target';
  const mode = options.mode ?? 'replace-irreversibly';
  const dbus = (await import('@homebridge/dbus-native')).default as typeof import('@homebridge/dbus-native') & {
    createClient(options: { socket: string; direct?: boolean }): import('@homebridge/dbus-native').MessageBus;
  };
  const bus = dbus.createClient({ socket: options.socket, direct: options.direct === true });
  const stream = bus.connection.stream;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)),
        options.timeoutMs ?? 10_000,
      );
      bus.connection.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
      bus.invoke(
        {
          destination: 'org.freedesktop.systemd1',
          path: '/org/freedesktop/systemd1',
          interface: 'org.freedesktop.systemd1.Manager',
          member: 'StartUnit',
          signature: 'ss',
          body: [unit, mode],
        },
        (error, job) => {
          clearTimeout(timer);
          if (error) {
            const text = Array.isArray(error.message) ? error.message.join(' ') : String(error.message ?? error);
            reject(new Error(`${error.name ?? 'D-Bus error'}: ${text}`));
          } else resolve(String(job));
        },
      );
    });
  } catch (error) {
    throw appError(
      'ARCHKERNEL_DBUS',
      `systemd did not start ${unit} (${mode}) over ${options.socket}: ${(error as Error).message}`,
      error,
    );
  } finally {
    stream?.destroy();
  }
}

/** Where to reach systemd: its private socket when present (always, once PID 1 runs), else the system bus. */
export function systemdSocket(privateSocket: string, systemBus: string): { socket: string; direct: boolean } {
  return existsSync(privateSocket) ? { socket: privateSocket, direct: true } : { socket: systemBus, direct: false };
}
