# gce: Google Compute Engine: persistent disks on virtio-scsi (or NVMe on newer series), gVNIC or virtio-net.
# Console: ttyS0.
module virtio_pci     the PCI transport of GCE's virtio devices
module virtio_scsi    persistent disks are virtio-scsi LUNs on most machine series
module sd_mod         the SCSI disk driver for those LUNs (/dev/sda)
module virtio_net     the virtio network card (older machine series)
module gve            Google Virtual NIC (gVNIC), the network card of newer machine series
module nvme           NVMe persistent disks and local SSDs (C3, N4 and later)
