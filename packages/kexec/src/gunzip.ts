/**
 * The gzip decoder for a compressed kernel (an arm64 Image.gz), loaded only when a kernel is gzip:
 * bundled, @initkit/compress is more than half of the kexec command's code and no other kernel kind
 * needs it, so a zImage or bzImage load never parses it (bench/RESULTS.md, kexec).
 */

/** Decodes one gzip stream of at most `maxOutputBytes`; throws InitkitError for a corrupt one. */
export type Gunzip = (bytes: Uint8Array, maxOutputBytes: number) => Uint8Array;

/** True when `bytes` start with the gzip magic and the deflate method (1f 8b 08). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** Loads @initkit/compress and returns its gzip decoder, for probeKernel's and planKexec's `gunzip`. */
export async function loadGunzip(): Promise<Gunzip> {
  const { decode } = await import('@initkit/compress');
  return (bytes, maxOutputBytes) => decode(bytes, { format: 'gzip', maxOutputBytes }).output;
}
