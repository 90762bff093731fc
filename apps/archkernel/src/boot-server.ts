/**
 * Which TFTP server to fetch the boot script from, in order: the `bootserver` line the kernel's IP
 * autoconfiguration wrote to /proc/net/pnp, systemd-networkd's DHCP lease (NEXT_SERVER=, then
 * SERVER_ADDRESS=), the configured address, then Scaleway's 10.1.31.34. Pure: the callers read the files.
 */

export type BootServerSource = 'pnp' | 'networkd' | 'config' | 'fallback';

export interface BootServerChoice {
  address: string;
  source: BootServerSource;
  /** Where it was read, e.g. "/proc/net/pnp" or the lease file. */
  from: string;
}

/** The `bootserver` address of /proc/net/pnp, unless absent or 0.0.0.0. */
export function pnpBootServer(text: string): string | undefined {
  const match = /^bootserver\s+(\S+)/m.exec(text);
  return match && match[1] !== '0.0.0.0' ? match[1] : undefined;
}

/** NEXT_SERVER (the DHCP siaddr, the TFTP server) or SERVER_ADDRESS of a networkd lease file. */
export function leaseBootServer(text: string): string | undefined {
  for (const key of ['NEXT_SERVER', 'SERVER_ADDRESS']) {
    const match = new RegExp(`^${key}=(\\S+)`, 'm').exec(text);
    if (match && match[1] !== '0.0.0.0') return match[1];
  }
  return undefined;
}

export interface BootServerFacts {
  pnp: string | undefined;
  /** Lease files by path, in name order. */
  leases: { path: string; text: string }[];
  configured: string;
  fallback: string;
}

export function chooseBootServer(facts: BootServerFacts): BootServerChoice {
  const pnp = facts.pnp === undefined ? undefined : pnpBootServer(facts.pnp);
  if (pnp) return { address: pnp, source: 'pnp', from: '/proc/net/pnp' };
  for (const lease of facts.leases) {
    const address = leaseBootServer(lease.text);
    if (address) return { address, source: 'networkd', from: lease.path };
  }
  if (facts.configured) return { address: facts.configured, source: 'config', from: 'boot_server.address' };
  return { address: facts.fallback, source: 'fallback', from: 'boot_server.fallback' };
}
