/**
 * The inspector page in a real browser: playwright-core drives Debian's chromium (headless) against the
 * built page served from 127.0.0.1, opens real boot files (a mkinitramfs zstd initrd with an early
 * microcode member, a Scaleway-style uInitrd, boot script images, a .dtb) and checks that what the page
 * holds and shows equals what the CLI prints for the same files, that a corrupt file shows its error
 * code, that the tree's files preview and download, and that two initrds compare as `initramfs diff`.
 * Screenshots go to test/.artifacts/web/ (git-ignored; CI keeps them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianKernel } from '../../../test/harness/debian-kernels.js';
import { initkit } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { mkinitramfsImage, moduleTree, scalewayImage } from '../../../test/initramfs-images.js';
import type { Inspection } from '../src/inspect.js';
import { launchChromium } from './browser.js';
import { buildPage } from './build-page.js';
import { type StaticServer, serveDirectory } from './static-server.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const artifacts = fileURLToPath(new URL('../../../test/.artifacts/web/', import.meta.url));
/** Both sides print times in UTC: the CLI through TZ, the browser through its context. */
const env = { TZ: 'UTC' };

const TOOLS = ['chromium', 'mkinitramfs', 'zstd', 'cpio', 'gzip', 'depmod', 'mkimage', 'unshare'];

function cli(args: string[]): string {
  const result = initkit(args, { env });
  if (result.status !== 0) throw new Error(`initkit ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function cliJson(args: string[]): unknown {
  return JSON.parse(cli([...args, '--json']));
}

interface PageState {
  state: string;
  inspection: Inspection | undefined;
  error: { code: string; message: string } | undefined;
  diff: unknown;
}

async function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => (window as unknown as { __initkit: PageState }).__initkit);
}

/** Opens a file through the picker and waits until the worker has answered. */
async function openFile(page: Page, path: string, input = '#file'): Promise<PageState> {
  await page.setInputFiles(input, path);
  await page.waitForFunction(
    () => document.body.dataset.state === 'done' || document.body.dataset.state === 'error',
    null,
    {
      timeout: 180_000,
    },
  );
  return pageState(page);
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

// Generous: the whole suite shares two cores in CI; each test runs the CLI on a 20 MB initrd a few times.
describe.runIf(hasTools(...TOOLS))('the inspector page in chromium equals the CLI', { timeout: 240_000 }, () => {
  const temp = useTempDir('initkit-web-');
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let mkinitramfs: string;
  let scaleway: string;

  beforeAll(async () => {
    mkinitramfs = (await mkinitramfsImage()).path;
    scaleway = (await scalewayImage()).path;
    const site = join(temp(), 'site');
    await buildPage(site, { fromSources: true });
    server = await serveDirectory(site);
    browser = await launchChromium();
    const context = await browser.newContext({
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(90_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 60_000 });
    expect(errors).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a mkinitramfs zstd initrd with early microcode: analysis, text and merged tree as the CLI prints them', async () => {
    const state = await openFile(page, mkinitramfs);
    expect(state.error).toBeUndefined();
    const initrd = state.inspection!.initrd!;
    expect(initrd.analysis).toEqual(cliJson(['initramfs', 'analyze', mkinitramfs]));
    expect(initrd.tree).toEqual(cliJson(['initramfs', 'ls', mkinitramfs]));
    expect(await text(page, '#analysis-text')).toBe(cli(['initramfs', 'analyze', mkinitramfs]));
    // The shape this test relies on, then what the page shows of it.
    expect(initrd.analysis.members.map((member) => member.compression)).toEqual(['none', 'zstd']);
    expect(await page.locator('[data-table="members"] tbody tr').count()).toBe(2);
    expect(await text(page, '[data-table="members"] tbody tr:nth-child(2)')).toContain('zstd');
    expect(await text(page, '[data-field="microcode"]')).toContain('kernel/x86/microcode/AuthenticAMD.bin');
    const release = initrd.analysis.releases[0]!;
    expect(await text(page, '[data-table="releases"] tbody')).toContain(release.release);
    expect(await page.locator('#treemap svg g').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'mkinitramfs.png'), fullPage: false });

    // Search, preview and download one file of the merged tree.
    await page.fill('#tree-search', 'AuthenticAMD');
    await page.click('#tree-listing a[data-path="kernel/x86/microcode/AuthenticAMD.bin"]');
    await expect
      .poll(() => text(page, '#file-preview [data-preview]'), { timeout: 60_000 })
      .toBe('initkit test microcode\n');
    await page.fill('#tree-search', '');
    await page.screenshot({ path: join(artifacts, 'mkinitramfs-full.png'), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#file-preview button[data-download]'),
    ]);
    const saved = join(temp(), 'AuthenticAMD.bin');
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe(
      cli(['initramfs', 'cat', mkinitramfs, 'kernel/x86/microcode/AuthenticAMD.bin']),
    );
    // A binary shows as hex: busybox, as `initramfs cat` gives it.
    await page.fill('#tree-search', 'bin/busybox');
    await page
      .locator('#tree-listing a', { hasText: /busybox$/ })
      .first()
      .click();
    await expect.poll(() => page.locator('#file-preview [data-preview="hex"]').count(), { timeout: 60_000 }).toBe(1);
    expect((await text(page, '#file-preview [data-preview="hex"]')).slice(0, 60)).toMatch(/^00000000 {2}7f 45 4c 46/);

    // A module from the tree opens in the inspector on its own: its modinfo, as `kmod info` prints it.
    const nbd = initrd.tree.find((row) => row.name.endsWith('/kernel/drivers/block/nbd.ko'))!.name;
    await page.fill('#tree-search', 'drivers/block/nbd.ko');
    await page.click(`#tree-listing a[data-path="${nbd}"]`);
    await page.click(`#file-preview button[data-inspect="${nbd}"]`);
    await page.waitForFunction(
      () => document.body.dataset.state === 'done' && document.querySelector('#modinfo') !== null,
    );
    const nested = (await pageState(page)).inspection!;
    expect(nested.kind).toBe('kmod');
    const extracted = join(temp(), 'nbd.ko');
    writeFileSync(extracted, initkit(['initramfs', 'cat', mkinitramfs, nbd]).stdoutBytes);
    const info = initkit(['kmod', 'info', '--json', 'nbd.ko'], { env, cwd: temp() });
    expect(nested.kmod!.json).toEqual(JSON.parse(info.stdout));
  });

  it('cancel stops the worker mid-decode; the page then opens the next file', async () => {
    await page.setInputFiles('#file', mkinitramfs);
    // Clicked in the same turn as the check that the page is busy: the 20 MB zstd decode takes seconds.
    const clicked = await page.evaluate(() => {
      if (document.body.dataset.state !== 'busy') return false;
      document.querySelector<HTMLButtonElement>('#cancel')!.click();
      return true;
    });
    expect(clicked).toBe(true);
    await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 60_000 });
    expect((await pageState(page)).error!.code).toBe('WEB_CANCELLED');
    expect(await text(page, '#error-code')).toBe('WEB_CANCELLED');
    const state = await openFile(page, mkinitramfs);
    expect(state.inspection!.initrd!.analysis.members.length).toBe(2);
  });

  it('a second initrd compares as `initramfs diff` prints it', async () => {
    const state = await openFile(page, scaleway, '#compare');
    // `initramfs diff` exits 1 when the trees differ, as diff(1) does.
    const result = initkit(['initramfs', 'diff', '--json', mkinitramfs, scaleway], { env });
    expect(result.status).toBe(1);
    expect(state.diff).toEqual(JSON.parse(result.stdout));
    const diff = state.diff as { added: string[]; removed: string[] };
    expect(diff.added).toContain('etc/hostname');
    expect(await text(page, '#diff')).toContain('+ etc/hostname');
  });

  it('a Scaleway-style uInitrd: the mkimage -l header and the initrd inside', async () => {
    const state = await openFile(page, scaleway);
    const inspection = state.inspection!;
    expect(inspection.kind).toBe('initrd');
    expect(inspection.uimage!.json).toEqual(cliJson(['uimage', 'list', scaleway]));
    expect(await text(page, '#uimage-listing')).toBe(cli(['uimage', 'list', scaleway]));
    expect(inspection.initrd!.analysis).toEqual(cliJson(['initramfs', 'analyze', scaleway]));
    expect(inspection.initrd!.tree).toEqual(cliJson(['initramfs', 'ls', scaleway]));
    expect(inspection.initrd!.analysis.members.map((member) => member.compression)).toEqual(['gzip']);
    expect(await text(page, '[data-field="init"]')).toContain('script');
    await page.screenshot({ path: join(artifacts, 'scaleway-uinitrd.png') });
  });

  it('boot script images (a fixture and one `initkit bootscript compile` makes): text and boot plan', async () => {
    const compiled = join(temp(), 'boot.scr');
    cli(['bootscript', 'compile', join(fixtures, 'c1', 'uboot.bootscript.txt'), '-o', compiled]);
    for (const script of [join(fixtures, 'bootscript', 'images', 'scaleway.scr'), compiled]) {
      const state = await openFile(page, script);
      const inspection = state.inspection!;
      expect(inspection.kind).toBe('bootscript');
      expect(await text(page, '#script-text')).toBe(cli(['bootscript', 'decompile', script]));
      expect(inspection.bootscript!.plan).toEqual(cliJson(['bootscript', 'plan', script]));
      expect(inspection.uimage!.json).toEqual(cliJson(['uimage', 'list', script]));
      expect(await text(page, '#uimage-listing')).toBe(cli(['uimage', 'list', script]));
      expect(await page.locator('[data-table="loads"] tbody tr').count()).toBe(
        inspection.bootscript!.plan.loads.length,
      );
    }
    await page.screenshot({ path: join(artifacts, 'bootscript.png') });
  });

  it('a multi-file uImage (mkimage -T multi): the header and contents as `uimage list` prints them, each file to preview', async () => {
    const first = join(temp(), 'first.txt');
    const second = join(temp(), 'second.txt');
    writeFileSync(first, 'the first file of a multi image\n');
    writeFileSync(second, 'and the second, a little longer than the first one\n');
    const multi = join(temp(), 'multi.img');
    execFileSync(
      'mkimage',
      ['-A', 'arm', '-O', 'linux', '-T', 'multi', '-C', 'none', '-n', 'two files', '-d', `${first}:${second}`, multi],
      {
        stdio: 'ignore',
      },
    );
    const state = await openFile(page, multi);
    const inspection = state.inspection!;
    expect(inspection.kind).toBe('uimage');
    expect(inspection.uimage!.json).toEqual(cliJson(['uimage', 'list', multi]));
    expect(await text(page, '#uimage-listing')).toBe(cli(['uimage', 'list', multi]));
    expect(await text(page, '#uimage-listing')).toContain('Contents:');
    expect(inspection.parts!.map((part) => part.size)).toEqual([32, 51]);
    await page.click('[data-part="uimage:1"]');
    await expect
      .poll(() => text(page, '#part-preview [data-preview="text"]'), { timeout: 60_000 })
      .toBe(readFileSync(second, 'utf8'));
  });

  it('a device tree blob dropped on the page: the dts as `initkit fdt dump` (dtc) prints it, and its JSON', async () => {
    const dtb = join(fixtures, 'fdt', 'values.dtb');
    // Drag and drop: a drop event carrying the file, as the browser delivers one.
    const bytes = [...readFileSync(dtb)];
    await page.evaluate((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(content)], 'values.dtb'));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error');
    const state = await pageState(page);
    expect(state.inspection!.name).toBe('values.dtb');
    expect(state.inspection!.kind).toBe('fdt');
    expect(await text(page, '#dts')).toBe(cli(['fdt', 'dump', dtb]));
    expect(state.inspection!.fdt!.json).toEqual(cliJson(['fdt', 'dump', dtb]));
  });

  it('a kernel, a signed module, a compressed file and a plain cpio archive, as the CLI prints them', async () => {
    let state: PageState | undefined;
    // An x86 bzImage and an ARM zImage (Debian 12's amd64 and armmp kernels).
    for (const arch of ['amd64', 'armhf'] as const) {
      const kernel = await debianKernel(arch);
      const vmlinuz = join(kernel.root, 'boot', `vmlinuz-${kernel.release}`);
      state = await openFile(page, vmlinuz);
      expect(state.inspection!.kind).toBe('kernel');
      expect(state.inspection!.kernel).toEqual(cliJson(['kernel', 'version', vmlinuz]));
      expect(await text(page, '[data-table="kernel"]')).toContain(kernel.release);
    }

    // An arm64 Image (its header's magic at 0x38 and a banner; no arm64 kernel is cached) and it gzipped.
    const arm64 = new Uint8Array(4096);
    new DataView(arm64.buffer).setUint32(0x38, 0x644d5241, true);
    arm64.set(new TextEncoder().encode('\0Linux version 6.12.1-1-aarch64-ARCH (builder@host) (gcc) #1 SMP\n\0'), 1000);
    const image = join(temp(), 'Image');
    writeFileSync(image, arm64);
    writeFileSync(`${image}.gz`, gzipSync(arm64));
    for (const file of [image, `${image}.gz`]) {
      state = await openFile(page, file);
      expect(state.inspection!.kind).toBe('kernel');
      expect(state.inspection!.kernel).toEqual(cliJson(['kernel', 'version', file]));
      expect(state.inspection!.kernel!.release).toBe('6.12.1-1-aarch64-ARCH');
    }

    // The CLI names the module by the path it was given: run it where the file is, on its bare name.
    const modules = (await moduleTree('amd64')).directory;
    const directory = join(modules, 'kernel', 'drivers', 'block');
    state = await openFile(page, join(directory, 'nbd.ko'));
    expect(state.inspection!.kind).toBe('kmod');
    const inDirectory = (args: string[]) => {
      const result = initkit(args, { env, cwd: directory });
      if (result.status !== 0) throw new Error(`initkit ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    expect(state.inspection!.kmod!.json).toEqual(JSON.parse(inDirectory(['kmod', 'info', '--json', 'nbd.ko'])));
    expect(await text(page, '#modinfo')).toBe(inDirectory(['kmod', 'info', 'nbd.ko']));
    expect(await text(page, '#modinfo')).toMatch(/^sig_id:/m);

    const xz = join(fixtures, 'compress', 'sample.txt.xz');
    state = await openFile(page, xz);
    const [detected] = cliJson(['compress', 'detect', xz]) as Record<string, unknown>[];
    const { file: _file, ...detection } = detected!;
    expect(state.inspection!.compression).toMatchObject(detection);
    const sample = readFileSync(join(fixtures, 'compress', 'sample.txt'), 'utf8');
    expect(state.inspection!.compression!.decodedSize).toBe(Buffer.byteLength(sample));
    await page.click('[data-part="decoded"]');
    await expect.poll(() => text(page, '#part-preview [data-preview="text"]'), { timeout: 60_000 }).toBe(sample);
  });

  it('an initrd in each compression the kernel accepts, and every compressed sample, as the CLI reads them', async () => {
    for (const format of ['bzip2', 'gzip', 'lz4', 'lzma', 'lzo', 'xz', 'zstd']) {
      const image = join(fixtures, 'initramfs', `early-${format}.img`);
      const state = await openFile(page, image);
      expect(state.error).toBeUndefined();
      expect(state.inspection!.initrd!.analysis).toEqual(cliJson(['initramfs', 'analyze', image]));
      expect(state.inspection!.initrd!.tree).toEqual(cliJson(['initramfs', 'list', image]));
      expect(state.inspection!.initrd!.analysis.members.map((member) => member.compression)).toContain(format);
    }
    const sample = readFileSync(join(fixtures, 'compress', 'sample.txt'));
    for (const name of readdirSync(join(fixtures, 'compress')).filter((file) => file.startsWith('sample.txt.'))) {
      const file = join(fixtures, 'compress', name);
      const state = await openFile(page, file);
      expect(state.error).toBeUndefined();
      const [detected] = cliJson(['compress', 'detect', file]) as Record<string, unknown>[];
      const { file: _file, ...detection } = detected!;
      expect(state.inspection!.compression).toMatchObject(detection);
      expect(state.inspection!.compression!.decodedSize).toBe(sample.length);
    }
  });

  it('a corrupt file shows the library error code the CLI reports', async () => {
    const script = readFileSync(join(fixtures, 'bootscript', 'images', 'scaleway.scr'));
    const at = script.length - 3;
    script[at] = script[at]! ^ 0xff;
    const corrupt = join(temp(), 'corrupt.scr');
    writeFileSync(corrupt, script);
    const state = await openFile(page, corrupt);
    const result = initkit(['uimage', 'list', corrupt], { env });
    expect(result.status).toBe(1);
    const code = /\[([A-Z0-9_]+)\]\s*$/.exec(result.stderr)?.[1];
    expect(code).toBeDefined();
    expect(state.state).toBe('error');
    expect(state.error!.code).toBe(code);
    expect(await text(page, '#error-code')).toBe(code);
    await page.screenshot({ path: join(artifacts, 'corrupt.png') });

    const garbage = join(temp(), 'garbage.bin');
    writeFileSync(garbage, 'not a boot file at all\n');
    expect((await openFile(page, garbage)).error!.code).toBe('WEB_UNKNOWN_FORMAT');
    expect(basename(garbage)).toBe('garbage.bin');
  });
});
