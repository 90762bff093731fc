/**
 * Listings that are safe on a terminal: names are printed escaped (a control character as `\x1b`,
 * `\n`, a byte that is not UTF-8 as `\xff`, a backslash as `\\`), as `ls -b` and bsdtar do, because a
 * name in an archive can carry terminal escape sequences. `--raw` writes the names' bytes as stored
 * (what GNU cpio -t writes); JSON always carries the raw name (and `nameHex`).
 */

const NAMED: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '\\': 92 };
const encoder = new TextEncoder();

/**
 * The bytes an escaped listing line stands for. The escapes are unambiguous (a backslash is always
 * escaped), so this is the exact inverse of the listing's escaping.
 */
export function unescapeListingLine(line: string): Uint8Array {
  if (!line.includes('\\')) return encoder.encode(line);
  const bytes: number[] = [];
  let plain = '';
  const flush = () => {
    for (const byte of encoder.encode(plain)) bytes.push(byte);
    plain = '';
  };
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char !== '\\' || i + 1 >= line.length) {
      plain += char;
      continue;
    }
    const next = line[i + 1]!;
    if (next === 'x' && /^[0-9a-f]{2}$/.test(line.slice(i + 2, i + 4))) {
      flush();
      bytes.push(Number.parseInt(line.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (next in NAMED) {
      flush();
      bytes.push(NAMED[next]!);
      i += 1;
    } else {
      plain += char;
    }
  }
  flush();
  return Uint8Array.from(bytes);
}

/** Listing lines as output bytes: escaped text as it is, or with --raw the names' own bytes. */
export function listingBytes(lines: readonly string[], raw: boolean | undefined): Uint8Array {
  if (!raw) return encoder.encode(lines.length ? `${lines.join('\n')}\n` : '');
  const parts = lines.map(unescapeListingLine);
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
    out[at++] = 10;
  }
  return out;
}
