/**
 * The BootPlan: what a boot script makes U-Boot do, as plain data. The evaluator fills it in; the CLI
 * prints it as JSON; tests compare it with what the real U-Boot printed.
 */

/** One file a load command brought into memory. */
export interface LoadRecord {
  /** The command as typed (tftpboot, tftp, dhcp, load, fatload, ext4load, ...). */
  command: string;
  /** Where it was loaded, as `0x` and lowercase hex. */
  address: string;
  /** The file name asked for; null when U-Boot would use a name it gets at run time (DHCP). */
  file: string | null;
  /** TFTP server (from `server:file` or `serverip`), for network loads. */
  server?: string;
  /** `interface dev[:part]` for storage loads (`mmc 0:1`). */
  device?: string;
  /** Bytes loaded, when the evaluator was told the file's size. */
  size?: number;
  /** Script line of the command. */
  line: number;
}

/** A boot command argument resolved to what was loaded at that address. */
export interface BootImageRef {
  address: string;
  /** The file last loaded at exactly this address, or null when nothing was. */
  file: string | null;
  /** `addr:size` (raw initrd): the size as written, hex without 0x. */
  size?: string;
}

export interface BootCommandPlan {
  command: 'bootm' | 'bootz' | 'booti' | 'zboot';
  kernel: BootImageRef | null;
  initrd: BootImageRef | null;
  fdt: BootImageRef | null;
  /** The arguments after expansion. */
  args: string[];
  line: number;
}

/** Every command the script ran, in order, after expansion. */
export interface CommandRecord {
  name: string;
  args: string[];
  line: number;
  status: number;
  /** False for commands the evaluator does not model (recorded, assumed to behave as configured). */
  modelled: boolean;
}

export interface BootPlan {
  /** `bootargs` when the boot command ran (or at the end when nothing booted); null when unset. */
  bootargs: string | null;
  loads: LoadRecord[];
  /** The boot command that ends the script, or null when the script boots nothing. */
  boot: BootCommandPlan | null;
  /** U-Boot environment variables at the end (at the boot command when one ran). */
  env: Record<string, string>;
  /** hush's own variables (`name=value` without setenv; `for` loop variables). */
  locals: Record<string, string>;
  /** What echo, printenv and U-Boot's messages would print on the console. */
  output: string[];
  commands: CommandRecord[];
  /** Status of the last command (U-Boot's `$?`). */
  status: number;
  warnings: string[];
}
