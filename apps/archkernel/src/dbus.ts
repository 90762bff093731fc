/**
 * Asking systemd to kexec: StartUnit("kexec.target", "replace-irreversibly") on the system bus, as
 * `systemctl kexec` does. systemd then stops the system, switches into the shutdown exitrd (which
 * detaches the NBD root) and jumps into the loaded kernel. Uses @homebridge/dbus-native, loaded only
 * here (the cached dry run never pays for it).
 */
import { appError } from './errors.js';

export interface StartUnitOptions {
  /** The system bus socket (root prefix applied). */
  socket: string;
  unit?: string;
  mode?: string;
  timeoutMs?: number;
}

/** Returns the job's object path. */
export async function startUnit(options: StartUnitOptions): Promise<string> {
  const unit = options.unit ?? 'kexec.target';
  const mode = options.mode ?? 'replace-irreversibly';
  const dbus = (await import('@homebridge/dbus-native')).default as typeof import('@homebridge/dbus-native') & {
    createClient(options: { socket: string }): import('@homebridge/dbus-native').MessageBus;
  };
  const bus = dbus.createClient({ socket: options.socket });
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
