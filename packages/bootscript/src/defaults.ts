/**
 * The environment a script starts from when the caller gives none: the load addresses of U-Boot's
 * qemu_arm board (include/configs/qemu-arm.h in U-Boot 2023.01, RAM at 0x40000000), which follow the
 * distro-boot conventions most boards share, plus the load address and a control device tree address.
 */
export const DEFAULT_ENV: Readonly<Record<string, string>> = Object.freeze({
  arch: 'arm',
  fdt_addr: '0x40000000',
  fdt_addr_r: '0x40000000',
  fdt_high: '0xffffffff',
  fdtcontroladdr: '5edf7eb0',
  initrd_high: '0xffffffff',
  kernel_addr_r: '0x40400000',
  loadaddr: '0x40200000',
  pxefile_addr_r: '0x40300000',
  ramdisk_addr_r: '0x44000000',
  scriptaddr: '0x40200000',
});

/** CONFIG_SYS_LOAD_ADDR of qemu_arm: where `source` without an address looks and loads go by default. */
export const DEFAULT_LOAD_ADDRESS = 0x40200000;
