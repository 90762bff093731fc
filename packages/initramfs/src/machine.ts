/**
 * Which machine an initrd's kernel modules are built for, and a check that modules to add match it,
 * so an amd64 module never lands in an ARM initrd without a word (issue 20). The answer comes from a
 * module already in the initrd (kernel modules must match the kernel exactly); an initrd without one
 * (or whose module contents were not kept) gives no answer and nothing is refused. Its shell is not
 * asked: test and demo initrds often carry the build host's busybox beside the target's modules.
 */
import { decompressModule } from '@initkit/kmod';
import { machineName } from './build/elf-info.js';
import { initramfsError } from './errors.js';
import type { PlannedModule } from './modules.js';
import type { MergedTree } from './tree.js';

/** A kernel module's path in an initrd. */
export const MODULE_PATH = /(^|\/)lib\/modules\/.+\.ko(\.(gz|xz|zst))?$/;

/** e_machine of an ELF file, or undefined when the bytes are not one. */
export function elfMachine(bytes: Uint8Array | undefined): number | undefined {
  if (!bytes || bytes.length < 20) return undefined;
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  if (bytes[5] === 1) return bytes[18]! | (bytes[19]! << 8);
  if (bytes[5] === 2) return (bytes[18]! << 8) | bytes[19]!;
  return undefined;
}

/** e_machine of a module file, decompressing .ko.gz/.ko.xz/.ko.zst first. */
function moduleMachine(data: Uint8Array): number | undefined {
  const direct = elfMachine(data);
  if (direct !== undefined) return direct;
  try {
    return elfMachine(decompressModule(data).bytes);
  } catch {
    return undefined;
  }
}

/** The machine of the initrd's modules and the module that told it, or undefined when none was kept. */
export function initrdMachine(tree: MergedTree): { machine: number; source: string } | undefined {
  for (const node of tree.list()) {
    if (!MODULE_PATH.test(node.path) || node.inode.data === undefined) continue;
    const machine = moduleMachine(node.inode.data);
    if (machine !== undefined) return { machine, source: `/${node.path}` };
  }
  return undefined;
}

/** Refuses modules built for another machine than the initrd's (INITRAMFS_WRONG_MACHINE). */
export function checkModuleMachines(tree: MergedTree, modules: readonly PlannedModule[]): void {
  const reference = initrdMachine(tree);
  if (!reference) return;
  for (const module of modules) {
    const machine = moduleMachine(module.data);
    if (machine === undefined || machine === reference.machine) continue;
    throw initramfsError(
      'INITRAMFS_WRONG_MACHINE',
      `module ${module.name} is built for ${machineName(machine)}, but ${reference.source}, already in the initrd, is ` +
        `${machineName(reference.machine)} (force: true to add it anyway)`,
    );
  }
}
