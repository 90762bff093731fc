# virtio: KVM/QEMU guests and the clouds built on them (OpenStack, Hetzner, DigitalOcean...).
# Console: ttyS0. Disks: /dev/vdX (virtio-blk) or /dev/sdX (virtio-scsi).
module virtio_pci     the PCI transport every virtio device of a PC-style guest sits on
module virtio_blk     virtio-blk disks (/dev/vda), the usual root disk
module virtio_scsi    virtio-scsi controllers (QEMU -device virtio-scsi-pci, GCE-style disks)
module sd_mod         the SCSI disk driver: virtio-scsi disks appear as /dev/sdX through it
module virtio_net     the network card (for network roots and early network)
optional virtio_mmio  virtio on MMIO (microvm, Firecracker, ARM virt boards)
optional virtio_console  the hvc console of some guests
