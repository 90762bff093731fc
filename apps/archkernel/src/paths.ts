/**
 * Every file the app reads or writes, as an absolute system path (/proc/cmdline, /boot/zImage, ...)
 * resolved under a root prefix, so the demo and the tests run unprivileged against a fake tree and the
 * real boot uses "/". Configured paths are system paths too: they are resolved under the same root.
 */
import { join, resolve } from 'node:path';

export interface SystemPaths {
  /** The root prefix ("/" on a real system). */
  root: string;
  /** A system path (absolute, as on the running system) under the root prefix. */
  at(systemPath: string): string;
}

export function systemPaths(root = '/'): SystemPaths {
  const prefix = resolve(root);
  return {
    root: prefix,
    at: (systemPath) => (prefix === '/' ? systemPath : join(prefix, systemPath)),
  };
}

/** Fixed kernel and systemd interfaces (not configurable: they are where the kernel puts them). */
export const KERNEL_FILES = {
  cmdline: '/proc/cmdline',
  pnp: '/proc/net/pnp',
  kexecLoadDisabled: '/proc/sys/kernel/kexec_load_disabled',
  iomem: '/proc/iomem',
  firmwareFdt: '/sys/firmware/fdt',
  kexecLoaded: '/sys/kernel/kexec_loaded',
  networkdLeases: '/run/systemd/netif/leases',
  exitrd: '/run/initramfs',
  systemdPrivate: '/run/systemd/private',
  systemBus: '/run/dbus/system_bus_socket',
} as const;
