/**
 * Runs Debian's nbd-server (as a daemon, tracked by its pid file) on a loopback TCP port, exporting one disk image under
 * a name, for tests that boot a guest whose root is on NBD: a QEMU guest on the user network reaches it at
 * the host address (10.0.2.2 by default) and the same port, e.g. `nbd-client 10.0.2.2 PORT /dev/nbd0 -N root`.
 *
 *   const server = await startNbdServer({ image: '/path/root.ext4' });
 *   // ... boot a guest with root=/dev/nbd0 and the server's port on its command line ...
 *   await server.stop();
 *
 * The configuration file and pid file live in a temporary directory removed by stop(). `command` lets a
 * caller run the server inside another network namespace (e.g. ['nsenter', '--net=/proc/PID/ns/net', '--']).
 * Tests guard with `hasTools('nbd-server')` (which fails under CI when it is missing).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NbdServerOptions {
  /** The disk image to export (a regular file). */
  image: string;
  /** Export name clients ask for with -N; "root" by default. */
  exportName?: string;
  /** Listen address; 127.0.0.1 by default. */
  address?: string;
  /** TCP port; a free one by default (only meaningful in this process's network namespace). */
  port?: number;
  /** Refuse writes (nbd-server's readonly). */
  readOnly?: boolean;
  /** Writes go to a temporary diff file, the image is left unchanged (nbd-server's copyonwrite). */
  copyOnWrite?: boolean;
  /** A prefix that runs the server elsewhere, e.g. in a network namespace: ['nsenter', '--net=...', '--']. */
  command?: string[];
  /** How long to wait for the port to accept connections, in ms (10 s by default). */
  readyTimeoutMs?: number;
}

export interface NbdServer {
  address: string;
  port: number;
  exportName: string;
  /** What nbd-server wrote on stdout and stderr before it went to the background (start-up errors). */
  output(): string;
  /** Ends the server (SIGTERM, then SIGKILL after two seconds) and removes its temporary files. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on `address`. */
export async function freeTcpPort(address = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function connects(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether the port accepts a connection, probed from the server's network namespace when it has one. */
async function accepts(address: string, port: number, command?: string[]): Promise<boolean> {
  if (!command) return connects(address, port);
  const [file, ...prefix] = [...command, 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`];
  const probe = spawn(file!, prefix, { stdio: 'ignore' });
  await exited(probe);
  return probe.exitCode === 0;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The configuration file nbd-server reads with -C: one export, no allow list, no daemon user switch. */
export function nbdServerConfig(options: {
  image: string;
  exportName: string;
  address: string;
  port: number;
  readOnly: boolean;
  copyOnWrite: boolean;
}): string {
  return [
    '[generic]',
    `    listenaddr = ${options.address}`,
    `    port = ${options.port}`,
    '    allowlist = true',
    `[${options.exportName}]`,
    `    exportname = ${options.image}`,
    `    readonly = ${options.readOnly}`,
    `    copyonwrite = ${options.copyOnWrite}`,
    '',
  ].join('\n');
}

export async function startNbdServer(options: NbdServerOptions): Promise<NbdServer> {
  const address = options.address ?? '127.0.0.1';
  const exportName = options.exportName ?? 'root';
  // With a command prefix the port is chosen in another namespace: the caller must name one.
  const port = options.port ?? (await freeTcpPort(address));
  const directory = mkdtempSync(join(tmpdir(), 'initkit-nbd-'));
  const configPath = join(directory, 'config');
  writeFileSync(
    configPath,
    nbdServerConfig({
      image: options.image,
      exportName,
      address,
      port,
      readOnly: options.readOnly ?? false,
      copyOnWrite: options.copyOnWrite ?? false,
    }),
  );
  // nbd-server serves a single client when it does not fork (-d), and the guest connects again after a
  // kexec: so it runs as the daemon it is, and is tracked through its pid file.
  const pidPath = join(directory, 'pid');
  const [file, ...prefix] = [...(options.command ?? []), 'nbd-server'];
  const child = spawn(file!, [...prefix, '-C', configPath, '-p', pidPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  child.on('error', (error) => {
    output += `\n[nbd-server harness: ${error.message}]\n`;
  });
  await exited(child);

  let pid: number | undefined;
  const stop = async () => {
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 2000;
      while (alive(pid) && Date.now() < deadline) await sleep(50);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(directory, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  for (;;) {
    if (pid === undefined && existsSync(pidPath)) pid = Number.parseInt(readFileSync(pidPath, 'utf8'), 10) || undefined;
    if (pid !== undefined && (await accepts(address, port, options.command))) break;
    if (child.exitCode !== 0 || Date.now() > deadline) {
      await stop();
      // glibc's daemon() refuses a /dev/null that is not the character device (a stray rename made it a file).
      const hint =
        /Error: daemon/.test(output) && !statSync('/dev/null').isCharacterDevice()
          ? ' (/dev/null is not a character device)'
          : '';
      throw new Error(
        `nbd-server on ${address}:${port} did not start (exit ${child.exitCode}): ${output.trim()}${hint}`,
      );
    }
    await sleep(50);
  }
  return { address, port, exportName, output: () => output, stop };
}
