/**
 * Which machine an initrd is for, and a check that modules and ELF files to add match it, so an amd64
 * module never lands in an ARM initrd without a word (issue 20). The answer comes from a module already
 * in the initrd (modules must match the kernel exactly), else from the uImage header's architecture. Its
 * shell is not asked: test and demo initrds (Scaleway-style ones among them) carry the build host's
 * busybox beside the target's modules. An initrd that answers nothing refuses nothing.
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

/** ELF machines (e_machine) whose code a uImage architecture (IH_ARCH) runs. */
const UIMAGE_ARCH_MACHINES: Readonly<Record<number, readonly number[]>> = {
  2: [40], // arm: EM_ARM
  3: [3, 62], // x86: EM_386, and EM_X86_64 (mkimage -A x86 also wraps x86-64 initrds)
  5: [8], // mips: EM_MIPS
  7: [20, 21], // powerpc: EM_PPC, EM_PPC64
  22: [183], // arm64: EM_AARCH64
  24: [62], // x86_64: EM_X86_64
  26: [243], // riscv: EM_RISCV
};

const UIMAGE_ARCH_NAMES: Readonly<Record<number, string>> = {
  2: 'arm',
  3: 'x86',
  5: 'mips',
  7: 'powerpc',
  22: 'arm64',
  24: 'x86_64',
  26: 'riscv',
};

/** What the initrd is built for: the ELF machines accepted and what said so. */
export interface InitrdMachine {
  machines: readonly number[];
  /** Ends the refusal's sentence: "/lib/modules/.../x.ko, already in the initrd, is x86-64". */
  says: string;
}

/**
 * The machine of the initrd: from a module it holds (contents kept), else from the uImage header's
 * architecture (`uImageArch`, the wrapper's IH_ARCH); undefined when neither answers.
 */
export function initrdMachine(tree: MergedTree, uImageArch?: number): InitrdMachine | undefined {
  for (const node of tree.list()) {
    if (!MODULE_PATH.test(node.path) || node.inode.data === undefined) continue;
    const machine = moduleMachine(node.inode.data);
    if (machine !== undefined) {
      return { machines: [machine], says: `/${node.path}, already in the initrd, is ${machineName(machine)}` };
    }
  }
  const fromArch = uImageArch === undefined ? undefined : UIMAGE_ARCH_MACHINES[uImageArch];
  if (fromArch) {
    return { machines: fromArch, says: `the initrd's uImage header says ${UIMAGE_ARCH_NAMES[uImageArch!]}` };
  }
  return undefined;
}

/**
 * Refuses (INITRAMFS_WRONG_MACHINE) modules, and ELF files added as they are, built for another
 * machine than the initrd's.
 */
export function checkMachines(
  tree: MergedTree,
  modules: readonly PlannedModule[],
  added: readonly { path: string; data: Uint8Array }[],
  uImageArch?: number,
): void {
  const reference = initrdMachine(tree, uImageArch);
  if (!reference) return;
  const candidates = [
    ...modules.map((module) => ({ what: `module ${module.name}`, machine: moduleMachine(module.data) })),
    ...added.map((item) => ({ what: `${item.path}`, machine: elfMachine(item.data) })),
  ];
  for (const { what, machine } of candidates) {
    if (machine === undefined || reference.machines.includes(machine)) continue;
    throw initramfsError(
      'INITRAMFS_WRONG_MACHINE',
      `${what} is built for ${machineName(machine)}, but ${reference.says} (force: true, or --force, to add it anyway)`,
    );
  }
}
