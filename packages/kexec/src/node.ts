/**
 * @initkit/kexec/node: the running system's kexec state and the system calls (through koffi): load a
 * plan, unload, and jump. Also everything from the isomorphic entry.
 */
export * from './index.js';
export { errnoName, syscallError } from './node/errno.js';
export { execKexec, type LoadFileOptions, loadFile, loadPlan, unloadKexec } from './node/load.js';
export { mapFileReadOnly } from './node/map-file.js';
export {
  hostArch,
  KEXEC_PATHS,
  type KexecState,
  readCurrentDtb,
  readKexecState,
  readMemoryRanges,
  reusableCmdline,
} from './node/state.js';
export { LINUX_REBOOT_CMD_KEXEC } from './node/syscalls.js';
