/**
 * One JSON shape for a uImage header's coded fields wherever a command prints one (`uimage list`,
 * `initramfs analyze`, `initramfs list --members`): `{ code, name }`, name being mkimage's short name
 * (`-A arm`, `-T ramdisk`) or null for a code mkimage does not know.
 */
import { type CodeCategory, shortName } from '@initkit/uimage';

export interface NamedCode {
  code: number;
  name: string | null;
}

export function namedCode(category: CodeCategory, code: number): NamedCode {
  return { code, name: shortName(category, code) ?? null };
}

/** The os/arch/type/compression fields of a header-like record, each as `{ code, name }`. */
export function namedHeaderCodes(header: { os: number; arch: number; type: number; compression: number }) {
  return {
    os: namedCode('os', header.os),
    arch: namedCode('arch', header.arch),
    type: namedCode('type', header.type),
    compression: namedCode('comp', header.compression),
  };
}
