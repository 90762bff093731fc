/**
 * Numbers as U-Boot reads and writes them: hextoul() (hex, optional 0x, stops at the first non-hex
 * character), dectoul(), simple_strtol(base 0) for `test -eq`, and env_set_hex()'s `%lx`.
 */

export interface ParsedNumber {
  value: number;
  /** Characters consumed. */
  end: number;
}

/** simple_strtoul(text, 16): an optional 0x, then hex digits. */
export function parseHexPrefix(text: string): ParsedNumber {
  let i = text[0] === '0' && (text[1] === 'x' || text[1] === 'X') ? 2 : 0;
  let value = 0;
  while (i < text.length && /[0-9a-fA-F]/.test(text[i] as string)) {
    value = value * 16 + Number.parseInt(text[i] as string, 16);
    i++;
  }
  return { value, end: i };
}

/** hextoul(): the hex number at the start of `text` (0 when there is none). */
export function hexToNumber(text: string): number {
  return parseHexPrefix(text).value;
}

/** True when all of `text` is read by hextoul() (how tftp tells an address from a file name). */
export function isWholeHex(text: string): boolean {
  return parseHexPrefix(text).end === text.length;
}

/** simple_strtol(text, NULL, 0): sign, then 0x hex, 0 octal or decimal; stops at the first bad character. */
export function parseCNumber(text: string): number {
  let i = 0;
  let sign = 1;
  if (text[i] === '-') {
    sign = -1;
    i++;
  }
  let base = 10;
  if (text[i] === '0') {
    if ((text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  let value = 0;
  for (; i < text.length; i++) {
    const digit = Number.parseInt(text[i] as string, base);
    if (Number.isNaN(digit)) break;
    value = value * base + digit;
  }
  return sign * value;
}

/** dectoul(): leading decimal digits. */
export function decimalToNumber(text: string): number {
  const digits = /^\d+/.exec(text)?.[0];
  return digits ? Number(digits) : 0;
}

/** env_set_hex(): lowercase hex, no prefix. */
export function formatEnvHex(value: number): string {
  return value.toString(16);
}

/** How the plan writes an address: 0x and lowercase hex. */
export function formatAddress(value: number): string {
  return `0x${value.toString(16)}`;
}
