/**
 * The environment a script starts from when the caller gives none: exactly what `printenv` shows in
 * U-Boot 2023.01's qemu_arm build (Debian's u-boot-qemu, QEMU virt with 512 MiB, no network device)
 * after `env default -a`, distro-boot variables included. It has no fdt_addr_r: scripts that use it
 * unset see an empty value there too.
 */
export const DEFAULT_ENV: Readonly<Record<string, string>> = Object.freeze({
  arch: 'arm',
  baudrate: '115200',
  board: 'qemu-arm',
  board_name: 'qemu-arm',
  boot_a_script: 'load ${devtype} ${devnum}:${distro_bootpart} ${scriptaddr} ${prefix}${script}; source ${scriptaddr}',
  boot_efi_binary:
    'load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} efi/boot/bootarm.efi; if fdt addr -q ${fdt_addr_r}; then bootefi ${kernel_addr_r} ${fdt_addr_r};else bootefi ${kernel_addr_r} ${fdtcontroladdr};fi',
  boot_efi_bootmgr: 'if fdt addr -q ${fdt_addr_r}; then bootefi bootmgr ${fdt_addr_r};else bootefi bootmgr;fi',
  boot_extlinux: 'sysboot ${devtype} ${devnum}:${distro_bootpart} any ${scriptaddr} ${prefix}${boot_syslinux_conf}',
  boot_net_usb_start: 'usb start',
  boot_pci_enum: 'pci enum',
  boot_prefixes: '/ /boot/',
  boot_script_dhcp: 'boot.scr.uimg',
  boot_scripts: 'boot.scr.uimg boot.scr',
  boot_syslinux_conf: 'extlinux/extlinux.conf',
  boot_targets: 'qfw usb0 scsi0 virtio0 nvme0 dhcp ',
  bootcmd: 'run distro_bootcmd',
  bootcmd_dhcp:
    'devtype=dhcp; run boot_net_usb_start; run boot_pci_enum; if dhcp ${scriptaddr} ${boot_script_dhcp}; then source ${scriptaddr}; fi;setenv efi_fdtfile ${fdtfile}; if test -z "${fdtfile}" -a -n "${soc}"; then setenv efi_fdtfile ${soc}-${board}${boardver}.dtb; fi; setenv efi_old_vci ${bootp_vci};setenv efi_old_arch ${bootp_arch};setenv bootp_vci PXEClient:Arch:00010:UNDI:003000;setenv bootp_arch 0xa;if dhcp ${kernel_addr_r}; then tftpboot ${fdt_addr_r} dtb/${efi_fdtfile};if fdt addr -q ${fdt_addr_r}; then bootefi ${kernel_addr_r} ${fdt_addr_r}; else bootefi ${kernel_addr_r} ${fdtcontroladdr};fi;fi;setenv bootp_vci ${efi_old_vci};setenv bootp_arch ${efi_old_arch};setenv efi_fdtfile;setenv efi_old_arch;setenv efi_old_vci;',
  bootcmd_nvme0: 'devnum=0; run nvme_boot',
  bootcmd_qfw:
    ' if qfw load $kernel_addr_r $ramdisk_addr_r; then   booti $kernel_addr_r $ramdisk_addr_r:$filesize $fdtcontroladdr;   if test $? -eq 1; then     bootz $kernel_addr_r $ramdisk_addr_r:$filesize $fdtcontroladdr;   fi ; fi',
  bootcmd_scsi0: 'devnum=0; run scsi_boot',
  bootcmd_usb0: 'devnum=0; run usb_boot',
  bootcmd_virtio0: 'devnum=0; run virtio_boot',
  bootdelay: '2',
  cpu: 'armv7',
  distro_bootcmd:
    'scsi_need_init=; setenv nvme_need_init; virtio_need_init=; for target in ${boot_targets}; do run bootcmd_${target}; done',
  efi_dtb_prefixes: '/ /dtb/ /dtb/current/',
  fdt_addr: '0x40000000',
  fdt_high: '0xffffffff',
  fdtcontroladdr: '5edf7eb0',
  initrd_high: '0xffffffff',
  kernel_addr_r: '0x40400000',
  load_efi_dtb: 'load ${devtype} ${devnum}:${distro_bootpart} ${fdt_addr_r} ${prefix}${efi_fdtfile}',
  loadaddr: '0x40200000',
  nvme_boot:
    'run boot_pci_enum; run nvme_init; if nvme dev ${devnum}; then devtype=nvme; run scan_dev_for_boot_part; fi',
  nvme_init: 'if ${nvme_need_init}; then setenv nvme_need_init false; nvme scan; fi',
  nvme_need_init: 'false',
  pxefile_addr_r: '0x40300000',
  ramdisk_addr_r: '0x44000000',
  scan_dev_for_boot:
    'echo Scanning ${devtype} ${devnum}:${distro_bootpart}...; for prefix in ${boot_prefixes}; do run scan_dev_for_extlinux; run scan_dev_for_scripts; done;run scan_dev_for_efi;',
  scan_dev_for_boot_part:
    'part list ${devtype} ${devnum} -bootable devplist; env exists devplist || setenv devplist 1; for distro_bootpart in ${devplist}; do if fstype ${devtype} ${devnum}:${distro_bootpart} bootfstype; then run scan_dev_for_boot; fi; done; setenv devplist',
  scan_dev_for_efi:
    'setenv efi_fdtfile ${fdtfile}; if test -z "${fdtfile}" -a -n "${soc}"; then setenv efi_fdtfile ${soc}-${board}${boardver}.dtb; fi; for prefix in ${efi_dtb_prefixes}; do if test -e ${devtype} ${devnum}:${distro_bootpart} ${prefix}${efi_fdtfile}; then run load_efi_dtb; fi;done;run boot_efi_bootmgr;if test -e ${devtype} ${devnum}:${distro_bootpart} efi/boot/bootarm.efi; then echo Found EFI removable media binary efi/boot/bootarm.efi; run boot_efi_binary; echo EFI LOAD FAILED: continuing...; fi; setenv efi_fdtfile',
  scan_dev_for_extlinux:
    'if test -e ${devtype} ${devnum}:${distro_bootpart} ${prefix}${boot_syslinux_conf}; then echo Found ${prefix}${boot_syslinux_conf}; run boot_extlinux; echo EXTLINUX FAILED: continuing...; fi',
  scan_dev_for_scripts:
    'for script in ${boot_scripts}; do if test -e ${devtype} ${devnum}:${distro_bootpart} ${prefix}${script}; then echo Found U-Boot script ${prefix}${script}; run boot_a_script; echo SCRIPT FAILED: continuing...; fi; done',
  scriptaddr: '0x40200000',
  scsi_boot:
    'run boot_pci_enum; run scsi_init; if scsi dev ${devnum}; then devtype=scsi; run scan_dev_for_boot_part; fi',
  scsi_init: 'if ${scsi_need_init}; then scsi_need_init=false; scsi scan; fi',
  stderr: 'pl011@9000000',
  stdin: 'pl011@9000000',
  stdout: 'pl011@9000000',
  usb_boot: 'usb start; if usb dev ${devnum}; then devtype=usb; run scan_dev_for_boot_part; fi',
  vendor: 'emulation',
  virtio_boot:
    'run boot_pci_enum; run virtio_init; if virtio dev ${devnum}; then devtype=virtio; run scan_dev_for_boot_part; fi',
  virtio_init: 'if ${virtio_need_init}; then virtio_need_init=false; virtio scan; fi',
});

/** CONFIG_SYS_LOAD_ADDR of qemu_arm: where `source` without an address looks and loads go by default. */
export const DEFAULT_LOAD_ADDRESS = 0x40200000;
