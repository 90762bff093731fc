/**
 * bench/web: the inspector page in Debian's chromium (headless, playwright-core). Opening a mkinitramfs
 * zstd initrd (read, decode and analyse in the worker, render the page) against `lsinitramfs` on the
 * same file; the longest main-thread task while it decodes (the page must not freeze: the work is in the
 * worker); and the bundle budget (page JavaScript, and a program importing @initkit/uimage alone).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../apps/web/test/browser.js';
import { buildPage } from '../apps/web/test/build-page.js';
import { serveDirectory } from '../apps/web/test/static-server.js';
import { mkinitramfsImage } from '../test/initramfs-images.js';
import { compare, measured, report, shell } from './harness.js';

const KiB = 1024;
const image = (await mkinitramfsImage()).path;
const site = mkdtempSync(join(tmpdir(), 'initkit-web-bench-'));
await buildPage(site);
const server = await serveDirectory(site);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(server.url);
await page.waitForFunction(() => document.body.dataset.state === 'idle');
// Long tasks (over 50 ms) on the page's main thread, kept for the freeze row.
await page.evaluate(() => {
  const scope = window as unknown as { __longTasks: number[] };
  scope.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) scope.__longTasks.push(entry.duration);
  }).observe({ type: 'longtask' });
});

async function openInPage(): Promise<void> {
  await page.setInputFiles('#file', image);
  await page.waitForFunction(() => document.body.dataset.state !== 'busy', null, { timeout: 300_000 });
  if ((await page.evaluate(() => document.body.dataset.state)) !== 'done')
    throw new Error('the page did not open the initrd');
}

const rows = [
  await compare({
    name: 'open a 19.2 MiB mkinitramfs zstd initrd: page in chromium (worker decode + analysis + render) vs `lsinitramfs`',
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: openInPage,
    native: shell(`lsinitramfs ${JSON.stringify(image)} > /dev/null`),
    runs: 5,
  }),
];

await page.evaluate(() => {
  (window as unknown as { __longTasks: number[] }).__longTasks = [];
});
await openInPage();
const longest = await page.evaluate(() => {
  const tasks = (window as unknown as { __longTasks: number[] }).__longTasks;
  return tasks.length ? Math.max(...tasks) : 0;
});
rows.push(
  measured(
    'longest main-thread task while the page opens that initrd (decoding is in the worker; rendering 867 paths is not)',
    // The browser reports tasks of 50 ms and more; none means every task was shorter.
    longest === 0 ? 'none >= 50 ms' : `${longest.toFixed(0)} ms`,
    '-',
    longest / 200,
    '<= 200 ms',
    longest <= 200,
  ),
);
await browser.close();
await server.close();

let pageBytes = 0;
for (const name of readdirSync(join(site, 'assets')).filter((file) => file.endsWith('.js'))) {
  pageBytes += gzipSync(readFileSync(join(site, 'assets', name)), { level: 9 }).length;
}
rmSync(site, { recursive: true, force: true });
rows.push(
  measured(
    'page JavaScript (main + worker), gzip -9',
    `${(pageBytes / KiB).toFixed(1)} KiB`,
    '-',
    pageBytes / (250 * KiB),
    '<= 250 KiB',
    pageBytes <= 250 * KiB,
  ),
);

report('web', rows, [
  'The page runs the isomorphic packages in a module worker; `lsinitramfs` is Debian initramfs-tools (unmkinitramfs: zstd, cpio).',
  'The budget of a program importing @initkit/uimage alone (<= 10 KiB gzipped) is checked by apps/web/test/bundle.test.ts.',
]);
