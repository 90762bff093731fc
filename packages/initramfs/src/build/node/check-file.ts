/**
 * `initkit initramfs check` as a function: open the image, find the kernel's release (from --kernel's
 * image, or --kver), its config and module tree, resolve the named profiles against that tree, and
 * run the static checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { kernelRelease, type ModuleDatabase } from '@initkit/kmod';
import { initramfsError } from '../../errors.js';
import { moduleSourceFromDirectory } from '../../node/module-source.js';
import { openInitrdFile } from '../../node/read-initrd.js';
import { type CheckResult, checkInitrd } from '../check.js';
import { parseKernelConfig } from '../kernel-config.js';
import { type ResolvedChain, resolveProfiles } from '../resolve-profile.js';
import { findKernelConfig } from './build-initrd.js';
import { loadProfile } from './profiles.js';

export interface CheckInitrdFileOptions {
  /** The kernel image (bzImage, zImage, Image, uImage): its release is read from it. */
  kernel?: string;
  kver?: string;
  /** The module tree (default /lib/modules/<release>, or beside the kernel image's boot/). */
  modules?: string;
  config?: string;
  profiles?: readonly string[];
}

export interface CheckReport {
  release: string;
  configFile: string | undefined;
  modulesDir: string | undefined;
  results: CheckResult[];
  ok: boolean;
}

export async function checkInitrdFile(image: string, options: CheckInitrdFileOptions): Promise<CheckReport> {
  if ((options.kernel === undefined) === (options.kver === undefined)) {
    throw initramfsError('INITRAMFS_BAD_OPTION', 'give exactly one of --kernel FILE or --kver RELEASE');
  }
  const release = options.kver ?? kernelRelease(new Uint8Array(readFileSync(options.kernel!)));
  const besideKernel =
    options.kernel === undefined ? [] : [join(dirname(options.kernel), '..', 'lib', 'modules', release)];
  const modulesDir =
    options.modules ?? [...besideKernel, join('/lib/modules', release)].find((candidate) => existsSync(candidate));
  const configFile =
    options.config ??
    (options.kernel !== undefined && existsSync(join(dirname(options.kernel), `config-${release}`))
      ? join(dirname(options.kernel), `config-${release}`)
      : modulesDir === undefined
        ? undefined
        : findKernelConfig(modulesDir, release));
  const kernel = configFile === undefined ? undefined : parseKernelConfig(readFileSync(configFile, 'utf8'));
  const profiles = (options.profiles ?? []).map(loadProfile);
  let database: ModuleDatabase | undefined;
  let chain: ResolvedChain | undefined;
  if (modulesDir !== undefined) {
    database = (await moduleSourceFromDirectory(modulesDir, { release })).database;
    if (profiles.length > 0) chain = resolveProfiles(database, profiles);
  } else if (profiles.length > 0) {
    throw initramfsError(
      'INITRAMFS_NOT_FOUND',
      `--profile needs the kernel's module tree; /lib/modules/${release} does not exist (give --modules DIR)`,
    );
  }
  const initrd = await openInitrdFile(image);
  const results = checkInitrd(initrd, {
    release,
    ...(kernel ? { kernel } : {}),
    ...(database ? { database } : {}),
    ...(chain ? { chain } : {}),
  });
  return { release, configFile, modulesDir, results, ok: results.every((result) => result.ok) };
}
