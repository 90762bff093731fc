/**
 * The command table: the handlers initkit models, the names a U-Boot build usually has that are
 * recorded without modelling, and U-Boot's abbreviation rule (a unique prefix names a command).
 */
import { BOOT_COMMANDS } from './commands-boot.js';
import { DISK_COMMANDS } from './commands-disk.js';
import { LOAD_COMMANDS } from './commands-load.js';
import { SHELL_COMMANDS } from './commands-shell.js';
import type { CommandHandler } from './machine.js';

/** Commands a U-Boot build usually has that the evaluator records without modelling (status 0). */
export const KNOWN_UBOOT_COMMANDS = new Set(
  (
    'base bdinfo blkcache bmp boot bootcount bootd bootefi bootelf bootflow bootmenu bootstage bootvx button chpart ' +
    'cls cmp coninfo cp crc32 date dcache dfu dm dns editenv erase ext2ls ext4ls ext4size ext4write fastboot fatinfo ' +
    'fatls fatsize fatwrite flinfo fstype gpio go gzwrite help i2c icache ide iminfo imxtract itest led loadb loads ' +
    'loadx loady loop ls lzmadec md mdio mii mm mmc mmcinfo mtd mtdparts mw nand net nfs nm nvme part pci ping ' +
    'poweroff protect pxe qfw random reset sata save saveenv scsi sf size sleep sntp sysboot tpm ubi ubifsload ' +
    'ums unzip usb usbboot version virtio wget zboot'
  ).split(' '),
);

export const BUILTIN_COMMANDS: Record<string, CommandHandler> = {
  ...SHELL_COMMANDS,
  ...LOAD_COMMANDS,
  ...BOOT_COMMANDS,
  ...DISK_COMMANDS,
};

/** The handler name `typed` means: itself, or the one handler it is a unique prefix of (`tftpb`). */
export function resolveCommandName(handlers: Record<string, CommandHandler>, typed: string): string | undefined {
  if (Object.hasOwn(handlers, typed)) return typed;
  if (typed === '' || KNOWN_UBOOT_COMMANDS.has(typed)) return undefined;
  const matches = Object.keys(handlers).filter((name) => name.startsWith(typed));
  return matches.length === 1 ? matches[0] : undefined;
}
