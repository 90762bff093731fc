/**
 * `pnpm demo`: archkernel-load on a simulated Scaleway C1, offline and without root. Starts the
 * provider's TFTP server and the metadata server on loopback and a fake system under a temporary
 * root, then runs `archkernel-load run --dry-run` three times as separate processes: the first boot
 * (fetch, rebuild, kexec plan), a second boot served from the cache, and a third after the server was
 * tagged archkernel_disabled (the kill switch).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulatedC1 } from './simulated-c1.js';

const app = fileURLToPath(new URL('./archkernel-load.cjs', import.meta.url));

function runApp(args: string[]): Promise<{ code: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [app, ...args], {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, JOURNAL_STREAM: '' },
    });
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) process.stdout.write(`  │ ${line}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, ms: performance.now() - started }));
  });
}

const c1 = await startSimulatedC1();
try {
  const args = ['run', '--dry-run', '--root', c1.root];
  console.log(`Simulated Scaleway C1: boot server tftp://127.0.0.1:${c1.tftp.port}, metadata ${c1.metadataUrl}`);
  console.log(`fake system root: ${c1.root} (proc, sys, run, boot, etc, usr/lib/modules)\n`);

  console.log('1. First boot: $ archkernel-load run --dry-run');
  const first = await runApp(args);
  console.log(`  └ exit ${first.code}, ${first.ms.toFixed(0)} ms (whole process)\n`);

  console.log('2. Second boot, nothing changed: served from the cache');
  const second = await runApp(args);
  console.log(`  └ exit ${second.code}, ${second.ms.toFixed(0)} ms (whole process)\n`);

  console.log('3. The server is tagged archkernel_disabled (the kill switch)');
  c1.tags.push('archkernel_disabled');
  const third = await runApp(args);
  console.log(`  └ exit ${third.code}, ${third.ms.toFixed(0)} ms: the provider kernel keeps running\n`);

  const ok = first.code === 0 && second.code === 0 && third.code === 0;
  console.log(
    ok
      ? 'Demo done: nothing was loaded (--dry-run) and nothing outside the temporary root was touched.'
      : 'Demo FAILED',
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await c1.close();
}
