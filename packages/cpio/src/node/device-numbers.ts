/**
 * Splitting a Linux dev_t (as Node's fs.Stats reports it, a number) into major and minor numbers the
 * way glibc's major() and minor() do, without 32-bit overflow.
 */
function halves(device: number): [number, number] {
  return [Math.floor(device / 2 ** 32) >>> 0, device >>> 0];
}

export function deviceMajor(device: number): number {
  const [high, low] = halves(device);
  return ((high & 0xfffff000) | ((low >>> 8) & 0xfff)) >>> 0;
}

export function deviceMinor(device: number): number {
  const [high, low] = halves(device);
  return ((low & 0xff) | ((low >>> 12) & 0xfff00) | ((high & 0xfff) << 20)) >>> 0;
}
