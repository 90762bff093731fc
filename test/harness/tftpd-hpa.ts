/**
 * Runs tftpd-hpa's in.tftpd in the foreground (-L) on a free loopback port, serving a directory, for
 * oracle tests and benchmarks; stop() ends it and the per-transfer children it forked (they share its
 * process group). The package's system daemon on port 69 is not used (.ci/run disables it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';

export interface TftpdHpaOptions {
  /** Directory to serve (in.tftpd -s chroots into it). */
  root: string;
  /** 127.0.0.1 by default; '::1' for IPv6. */
  address?: string;
  /** Allow write requests to create files (-c). */
  allowCreate?: boolean;
  /** Options tftpd-hpa must refuse (-r NAME), to test clients' fallback. */
  refuseOptions?: string[];
  /** More in.tftpd arguments. */
  extraArgs?: string[];
}

export interface TftpdHpa {
  address: string;
  port: number;
  /** Ends the daemon and its children with SIGTERM (SIGKILL when `abruptly`) and waits for exit. */
  stop(abruptly?: boolean): Promise<void>;
}

async function freeUdpPort(type: 'udp4' | 'udp6', address: string): Promise<number> {
  const socket = createSocket(type);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Sends a read request for a name that does not exist and waits for tftpd-hpa's ERROR answer. */
async function answers(type: 'udp4' | 'udp6', address: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = createSocket(type);
  const request = Buffer.from('\x00\x01.initkit-probe-does-not-exist\x00octet\x00', 'latin1');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.on('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.on('error', () => {});
      socket.send(request, port, address);
    });
  } finally {
    socket.close();
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startTftpdHpa(options: TftpdHpaOptions): Promise<TftpdHpa> {
  const address = options.address ?? '127.0.0.1';
  const type = address.includes(':') ? 'udp6' : 'udp4';
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort(type, address);
    const listen = type === 'udp6' ? `[${address}]:${port}` : `${address}:${port}`;
    const args = ['-L', '-u', 'root', '-s', options.root, '-a', listen];
    if (options.allowCreate) args.push('-c');
    for (const option of options.refuseOptions ?? []) args.push('-r', option);
    args.push(...(options.extraArgs ?? []));
    const child = spawn('in.tftpd', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const stop = async (abruptly = false) => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, abruptly ? 'SIGKILL' : 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
      await exited(child);
    };
    for (let probe = 0; probe < 20 && child.exitCode === null; probe++) {
      if (await answers(type, address, port, 100)) return { address, port, stop };
    }
    lastError = stderr.trim() || `exit code ${child.exitCode}`;
    await stop(true);
  }
  throw new Error(`in.tftpd did not start: ${lastError}`);
}
