/**
 * The text `mkimage -l` (and `dumpimage -l`) prints for a legacy image, reproduced exactly: ctime-style
 * creation time in the local time zone, sizes as "%d Bytes = %.2f KiB = %.2f MiB" with C's rounding,
 * and a Contents section for multi and script images. One line differs by necessity: for the second and
 * later files of a script image mkimage prints a memory address, initkit the file's offset.
 */
import { longName, UIMAGE_TYPE } from './codes.js';
import { UIMAGE_HEADER_SIZE } from './header.js';
import { hasFileTable, type UImage } from './image.js';

export interface ListingOptions {
  /** Offset of local time from UTC in minutes for a given instant (default: this runtime's zone). */
  utcOffsetMinutes?: (date: Date) => number;
}

/** Returns the listing as Latin-1 text: each character is one byte of what mkimage prints. */
export function formatListing(image: UImage, options: ListingOptions = {}): string {
  const { header } = image;
  const lines = [
    `Image Name:   ${latin1(header.nameBytes)}`,
    `Created:      ${formatCtime(header.time, options)}`,
    `Image Type:   ${longName('arch', header.arch)} ${longName('os', header.os)} ${longName('type', header.type)} (${longName('comp', header.compression)})`,
    `Data Size:    ${formatSize(header.size)}`,
    `Load Address: ${hex8(header.load)}`,
    `Entry Point:  ${hex8(header.entry)}`,
  ];
  if (hasFileTable(header.type)) {
    lines.push('Contents:');
    image.files.forEach((file, index) => {
      lines.push(`   Image ${index}: ${formatSize(file.length)}`);
      // U-Boot prints where each later script file sits in memory; mkimage prints its own mmap address
      // there, which nothing can reproduce, so initkit prints the file's offset in the image instead.
      if (header.type === UIMAGE_TYPE.script && index > 0) {
        lines.push(`    Offset = 0x${hex8(file.byteOffset - image.payload.byteOffset + UIMAGE_HEADER_SIZE)}`);
      }
    });
  }
  return `${lines.join('\n')}\n`;
}

/** "%d Bytes = %.2f KiB = %.2f MiB", as U-Boot's genimg_print_size prints it. */
export function formatSize(size: number): string {
  return `${size} Bytes = ${formatFixed2(size / 1024)} KiB = ${formatFixed2(size / (1024 * 1024))} MiB`;
}

/**
 * printf("%.2f") for the dyadic values sizes produce. JavaScript's toFixed rounds exact ties up; C
 * rounds them to even (0.125 prints as 0.12), so ties are detected and resolved the C way.
 */
export function formatFixed2(value: number): string {
  const scaled = value * 100;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5) {
    const even = floor % 2 === 0 ? floor : floor + 1;
    return (even / 100).toFixed(2);
  }
  return value.toFixed(2);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() without the newline: "Tue Nov 14 22:13:20 2023", day of month space-padded. */
export function formatCtime(unixSeconds: number, options: ListingOptions = {}): string {
  const instant = new Date(unixSeconds * 1000);
  const offset = options.utcOffsetMinutes ? options.utcOffsetMinutes(instant) : -instant.getTimezoneOffset();
  const local = new Date(instant.getTime() + offset * 60_000);
  const pad2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[local.getUTCDay()]} ${MONTHS[local.getUTCMonth()]} ${String(local.getUTCDate()).padStart(2, ' ')} ` +
    `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())} ${local.getUTCFullYear()}`
  );
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
