/**
 * The block size that fills one packet on the link towards a host: the MTU of the interface the route
 * uses (Linux sysfs), less the IP, UDP and TFTP headers. 1468 (Ethernet) when that cannot be found.
 * Blocks that fit the link avoid IP fragmentation, where losing one fragment loses the whole block.
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { MAX_BLKSIZE } from './options.js';

/** 1500-byte Ethernet MTU less 20 (IPv4) + 8 (UDP) + 4 (TFTP). */
export const ETHERNET_BLKSIZE = 1468;

export async function linkBlksize(address: string, family: 4 | 6): Promise<number> {
  try {
    const local = await localAddressFor(address, family);
    const name = interfaceWithAddress(local);
    if (name === undefined || !/^[\w.@:-]+$/.test(name)) return ETHERNET_BLKSIZE;
    const mtu = Number((await readFile(`/sys/class/net/${name}/mtu`, 'utf8')).trim());
    if (!Number.isInteger(mtu) || mtu < 576) return ETHERNET_BLKSIZE;
    const headers = (family === 4 ? 20 : 40) + 8 + 4;
    return Math.max(512, Math.min(MAX_BLKSIZE, mtu - headers));
  } catch {
    return ETHERNET_BLKSIZE;
  }
}

/** The local address the kernel picks to reach `address` (a connected UDP socket sends nothing). */
function localAddressFor(address: string, family: 4 | 6): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
    socket.on('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.connect(9, address, () => {
      const local = socket.address().address;
      socket.close();
      resolve(local);
    });
  });
}

function interfaceWithAddress(local: string): string | undefined {
  const bare = local.replace(/%.*$/, '');
  for (const [name, entries] of Object.entries(networkInterfaces())) {
    if (entries?.some((entry) => entry.address === bare)) return name;
  }
  return undefined;
}
