/**
 * The server's memory under stalled clients: starts `initkit tftp serve` (the built CLI, its own process),
 * then N clients each ask for a 64 MiB file with the largest window (blksize 65464, windowsize 64),
 * acknowledge the OACK so the server sends its window, and never acknowledge a block. Prints how many
 * were admitted and refused ("server busy") and the server's RSS (peak over the run from VmHWM, and
 * after every transfer has been dropped). Not a test: the figure depends on the machine.
 *
 *   npx tsx packages/tftp/bench/stalled-clients.ts [--clients 250] [--seconds 45] [-- extra serve flags]
 *
 * With `--server-module PATH` the server is startTftpServer from that module (a server.ts, run through
 * tsx) instead of the CLI, to compare two versions of the source; the extra flags are then ignored.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = join(repoRoot, 'apps/cli/bin/initkit.cjs');
const root = join(repoRoot, 'bench/work/tftp-stalled');
const FILE_SIZE = 64 << 20;

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const extraFlags = dashes >= 0 ? argv.slice(dashes + 1) : [];
const flag = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  return at >= 0 && (dashes < 0 || at < dashes) ? Number(argv[at + 1]) : fallback;
};
const clients = flag('--clients', 250);
const seconds = flag('--seconds', 45);
/** With --no-ack the clients do not even acknowledge the OACK: the floor of a session without data. */
const ackZero = !argv.includes('--no-ack');
const moduleAt = argv.indexOf('--server-module');
const serverModule = moduleAt >= 0 ? argv[moduleAt + 1] : undefined;

mkdirSync(root, { recursive: true });
const file = join(root, 'big');
if (statSync(file, { throwIfNoEntry: false })?.size !== FILE_SIZE) {
  const bytes = new Uint8Array(FILE_SIZE);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i >>> 12;
  writeFileSync(file, bytes);
}

const fromModule = (path: string) => [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  `const { startTftpServer } = await import(${JSON.stringify(path)});
   const server = await startTftpServer({ root: ${JSON.stringify(root)}, port: 0, address: '127.0.0.1' });
   console.log('serving on 127.0.0.1:' + server.port + ' ');
   process.on('SIGTERM', () => server.close().then(() => process.exit(0)));`,
];
const server = spawn(
  process.execPath,
  serverModule
    ? fromModule(join(process.cwd(), serverModule))
    : [cliPath, 'tftp', 'serve', root, '--port', '0', '--address', '127.0.0.1', '-q', ...extraFlags],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<number>((resolve, reject) => {
  let text = '';
  server.stdout!.on('data', (chunk) => {
    text += chunk;
    const match = /on 127\.0\.0\.1:(\d+) /.exec(text);
    if (match) resolve(Number(match[1]));
  });
  server.once('exit', (code) => reject(new Error(`the server exited ${code} before it was ready`)));
});

/** Resident set and its peak, in KiB, from /proc. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

const idle = memoryOf(server.pid!);
const request = Buffer.concat(
  ['big', 'octet', 'blksize', '65464', 'windowsize', '64'].map((part) => Buffer.from(`${part}\0`)),
);
const rrq = Buffer.concat([Buffer.from([0, 1]), request]);
let admitted = 0;
let refused = 0;
let other = 0;
let dataPackets = 0;
const sockets: Socket[] = [];
const answered: Promise<void>[] = [];
for (let client = 0; client < clients; client++) {
  const socket = createSocket('udp4');
  sockets.push(socket);
  let first = true;
  answered.push(
    new Promise<void>((resolve) => {
      socket.on('message', (message, remote) => {
        const opcode = message.readUInt16BE(0);
        if (opcode === 3) dataPackets++;
        if (!first) return;
        first = false;
        if (opcode === 6) {
          admitted++;
          if (ackZero) socket.send(Buffer.from([0, 4, 0, 0]), remote.port, remote.address); // ACK 0, then silence
        } else if (opcode === 5 && message.subarray(4).toString('latin1').includes('busy')) refused++;
        else other++;
        resolve();
      });
    }),
  );
  socket.send(rrq, port, '127.0.0.1');
  // A short pause every 25 requests, so the listener's socket buffer never drops a request.
  if (client % 25 === 24) await new Promise((resolve) => setTimeout(resolve, 20));
}
await Promise.race([Promise.all(answered), new Promise((resolve) => setTimeout(resolve, 10_000))]);
console.log(`${clients} clients: ${admitted} admitted, ${refused} refused as busy, ${other} other answers`);

let peakSampled = 0;
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  peakSampled = Math.max(peakSampled, memoryOf(server.pid!).rss);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const end = memoryOf(server.pid!);
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
console.log(
  `server RSS: idle ${mib(idle.rss)}, peak ${mib(end.hwm)} (sampled ${mib(peakSampled)}), after ${seconds} s ${mib(end.rss)}; ` +
    `${dataPackets} DATA packets reached the clients`,
);
for (const socket of sockets) socket.close();
server.kill('SIGTERM');
