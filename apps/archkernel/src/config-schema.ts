/**
 * Every configuration key: its section, type, default and the sentence that documents it. The default
 * configuration file is generated from this table (and a test checks the shipped one matches), so a key
 * cannot exist without its documentation.
 */

export type KeyType = 'string' | 'integer' | 'boolean' | 'string-list' | { oneOf: readonly string[] };

export interface KeySpec {
  section: string;
  key: string;
  type: KeyType;
  default: string | number | boolean | readonly string[];
  doc: string;
  /** Extra check on a well-typed value: a message when it is wrong. */
  check?: (value: never) => string | undefined;
}

const positive = (value: number) => (value > 0 ? undefined : 'must be greater than 0');
const nonNegative = (value: number) => (value >= 0 ? undefined : 'must be 0 or more');
const absolute = (value: string) => (value.startsWith('/') ? undefined : 'must be an absolute path');
const absoluteOrEmpty = (value: string) =>
  value === '' || value.startsWith('/') ? undefined : 'must be an absolute path or ""';
const port = (value: number) => (value >= 1 && value <= 65535 ? undefined : 'must be a port number from 1 to 65535');
const moduleNames = (value: readonly string[]) =>
  value.every((name) => /^[A-Za-z0-9_-]+$/.test(name))
    ? undefined
    : 'must hold module names (letters, digits, _ and -)';

export const CONFIG_KEYS: readonly KeySpec[] = [
  {
    section: 'kernel',
    key: 'image',
    type: 'string',
    default: '/boot/zImage',
    doc: 'The distribution kernel to boot. Its release is read from the image itself.',
    check: absolute,
  },
  {
    section: 'kernel',
    key: 'modules_dir',
    type: 'string',
    default: '/usr/lib/modules',
    doc: 'Where the module trees are: the modules come from <modules_dir>/<release>/.',
    check: absolute,
  },
  {
    section: 'kernel',
    key: 'modules',
    type: 'string-list',
    default: ['mvneta', 'nbd'],
    doc: 'Modules the provider initrd needs under the distribution kernel (network, then the NBD root); each must exist. Their dependencies (phylink, libphy, ...) come from modules.dep.',
    check: moduleNames,
  },
  {
    section: 'kernel',
    key: 'optional_modules',
    type: 'string-list',
    default: ['mvneta_bm'],
    doc: 'Modules added when the tree has them, skipped with a notice when it does not (Debian builds without mvneta_bm).',
    check: moduleNames,
  },
  {
    section: 'kernel',
    key: 'decompress_modules',
    type: { oneOf: ['auto', 'always', 'never'] },
    default: 'auto',
    doc: '"auto" stores compressed modules (.ko.gz, .ko.xz, .ko.zst) decompressed, since the provider initrd loads them with busybox insmod, which has no zstd and may lack gzip and xz; "always" or "never" decide for every module.',
  },
  {
    section: 'boot_server',
    key: 'address',
    type: 'string',
    default: '',
    doc: 'TFTP boot server used when neither /proc/net/pnp nor a systemd-networkd lease names one ("" to skip).',
  },
  {
    section: 'boot_server',
    key: 'fallback',
    type: 'string',
    default: '10.1.31.34',
    doc: "The last resort boot server (Scaleway's).",
  },
  {
    section: 'boot_server',
    key: 'port',
    type: 'integer',
    default: 69,
    doc: 'TFTP port of the boot server.',
    check: port,
  },
  {
    section: 'boot_server',
    key: 'script',
    type: 'string',
    default: 'uboot.bootscript',
    doc: 'The boot script image U-Boot fetches; it is evaluated to find the initrd.',
  },
  {
    section: 'boot_server',
    key: 'timeout_ms',
    type: 'integer',
    default: 1000,
    doc: 'First TFTP retransmission timeout in milliseconds (doubled on each silence).',
    check: positive,
  },
  {
    section: 'boot_server',
    key: 'retries',
    type: 'integer',
    default: 5,
    doc: 'TFTP retransmissions in a row without progress before a transfer fails.',
    check: nonNegative,
  },
  {
    section: 'boot_server',
    key: 'deadline_ms',
    type: 'integer',
    default: 120000,
    doc: 'Each TFTP transfer must end within this many milliseconds.',
    check: positive,
  },
  {
    section: 'metadata',
    key: 'url',
    type: 'string',
    default: 'http://169.254.42.42/conf?format=json',
    doc: 'The instance metadata: "...?format=json" (a tags array) or the KEY=value text of /conf (TAGS_0, TAGS_1, ...). "" disables the kill switch.',
  },
  {
    section: 'metadata',
    key: 'kill_switch_tag',
    type: 'string',
    default: 'archkernel_disabled',
    doc: "A server tag that stops archkernel-load from kexec'ing (the provider kernel then boots as usual).",
  },
  {
    section: 'metadata',
    key: 'timeout_ms',
    type: 'integer',
    default: 2000,
    doc: 'Each metadata request must answer within this many milliseconds.',
    check: positive,
  },
  {
    section: 'metadata',
    key: 'retries',
    type: 'integer',
    default: 2,
    doc: 'Further metadata requests after a failed one (1 s apart).',
    check: nonNegative,
  },
  {
    section: 'metadata',
    key: 'when_unreachable',
    type: { oneOf: ['proceed', 'refuse'] },
    default: 'proceed',
    doc: 'What to do when the metadata cannot be read after the retries: "proceed" (the boot-loop guard still protects) or "refuse".',
  },
  {
    section: 'kexec',
    key: 'cmdline_append',
    type: 'string-list',
    default: ['is_in_kexec=yes', 'NO_SIGNAL_STATE=1', 'DONT_FETCH_KERNEL_MODULES=1', 'NO_NTPDATE=1'],
    doc: 'Words added to /proc/cmdline for the distribution kernel; "archkernel" is always added last (the units\' ConditionKernelCommandLine depends on it).',
  },
  {
    section: 'kexec',
    key: 'dtb',
    type: 'string',
    default: '',
    doc: 'Device tree for the new kernel; "" uses the running system\'s (/sys/firmware/fdt).',
    check: absoluteOrEmpty,
  },
  {
    section: 'kexec',
    key: 'max_unconfirmed',
    type: 'integer',
    default: 2,
    doc: 'Boot-loop guard: after this many kexec attempts in a row that the confirm unit did not mark good, stop until `archkernel-load reset`.',
    check: positive,
  },
  {
    section: 'files',
    key: 'initrd',
    type: 'string',
    default: '/boot/archkernel-initrd.img',
    doc: 'The patched initrd (a plain gzip cpio initrd, no uImage header), replaced atomically.',
    check: absolute,
  },
  {
    section: 'files',
    key: 'cache_record',
    type: 'string',
    default: '/boot/archkernel-initrd.json',
    doc: 'What the patched initrd was built from (its cache key), replaced atomically after the initrd.',
    check: absolute,
  },
  {
    section: 'files',
    key: 'state',
    type: 'string',
    default: '/var/lib/archkernel-load/state.json',
    doc: "The boot-loop guard's state: kexec attempts and the last confirmed boot.",
    check: absolute,
  },
  {
    section: 'files',
    key: 'release_record',
    type: 'string',
    default: '/var/lib/archkernel-load/kernel-release.json',
    doc: "The distribution kernel's release with its image's SHA-256, written by `archkernel-load prepare` (the pacman hook) when the kernel is installed; used only for the image with that hash.",
    check: absolute,
  },
];
