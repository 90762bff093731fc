/**
 * One JSON shape for a uImage header's coded fields wherever a command prints one (`uimage list`,
 * `initramfs analyze`, `initramfs list --members`): `{ code, name }`, name being mkimage's short name
 * (`-A arm`, `-T ramdisk`) or null for a code mkimage does not know. The shape is @initkit/uimage's
 * (json.ts), which the web inspector shares; these are the CLI's names for it.
 */
export {
  codeToJson as namedCode,
  headerCodesToJson as namedHeaderCodes,
  type NamedCode,
} from '@initkit/uimage';
