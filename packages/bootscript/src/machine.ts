/**
 * The state a script runs against (environment, hush variables, loaded files, console output) and the
 * interface command handlers see. The evaluator implements it; commands-*.ts implement commands on it.
 */
import type { BootCommandPlan, LoadRecord } from './plan.js';

/** What the caller knows about a file a script loads: its size or its bytes. */
export type FileInfo = number | Uint8Array;

/**
 * Answers "does this file exist, and how big is it?" for load commands: a size or the bytes when it
 * exists, null when it does not (the load fails), undefined when unknown (the load is assumed to work).
 */
export type FileResolver = (file: string, load: { command: string; device?: string }) => FileInfo | null | undefined;

export interface CommandContext {
  /** The command's name as U-Boot resolved it (`tftpb` -> `tftpboot`). */
  name: string;
  /** argv, argv[0] as typed. */
  args: string[];
  line: number;
  machine: Machine;
}

/** A command: returns its exit status (0 success, non-zero failure), as U-Boot's cmd_process() does. */
export type CommandHandler = (context: CommandContext) => number;

export interface Machine {
  readonly env: Map<string, string>;
  readonly locals: Map<string, string>;
  /** The environment a script starts from (for `env default`). */
  readonly defaultEnv: Readonly<Record<string, string>>;
  /** image_load_addr: where the last load went; bootm/bootz/source without an address use it. */
  imageLoadAddress: number;
  /** CONFIG_SYS_LOAD_ADDR: `source` without an address and loads without loadaddr use it. */
  readonly defaultLoadAddress: number;
  /** Applied when `dhcp`/`bootp` run (ipaddr, serverip, bootfile, ...). */
  readonly network: Readonly<Record<string, string>>;
  /** Set as `ethact` by the first network command when `ethact` is unset. */
  readonly netDevice: string | undefined;
  readonly loads: LoadRecord[];
  /** Appends console output as is. */
  write(text: string): void;
  /** Appends one line of console output. */
  print(line: string): void;
  warn(message: string): void;
  resolveFile(file: string, load: { command: string; device?: string }): FileInfo | null | undefined;
  /** The PARTUUID the caller gave for `interface dev:part` (`mmc 0:1`), if any. */
  partitionUuid(device: string): string | undefined;
  /** The file last loaded at exactly this address. */
  fileAt(address: number): LoadRecord | undefined;
  /** Runs an environment variable's text as U-Boot's `run` does; returns 0 or 1. */
  runText(text: string, line: number): number;
  /** Runs a script's text as `source` does; returns 0 or 1. */
  sourceText(text: string, line: number): number;
  /** Ends the script: U-Boot hands over to the kernel. */
  boot(plan: BootCommandPlan): never;
  /** `exit`: U-Boot 2023.01 only returns the status; later versions also end the script. */
  exit(status: number): number;
}
