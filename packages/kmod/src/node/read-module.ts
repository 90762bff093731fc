/** Read one kernel module file (plain or compressed) with its path as the error source. */
import { readFileLimited } from '@initkit/core/node';
import { type KernelModule, type ReadModuleOptions, readKernelModule } from '../kernel-module.js';

export async function readKernelModuleFile(
  path: string,
  options: Omit<ReadModuleOptions, 'path'> = {},
): Promise<KernelModule> {
  return readKernelModule(await readFileLimited(path), { ...options, path });
}
