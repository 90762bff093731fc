# azure: Microsoft Azure (Hyper-V): everything sits on VMBus; disks are storvsc SCSI, network netvsc.
# Console: ttyS0.
module hv_vmbus       VMBus, the bus every synthetic Hyper-V device is on
module hv_storvsc     synthetic SCSI controller: the OS disk and data disks
module sd_mod         the SCSI disk driver for storvsc's disks (/dev/sda)
module hv_netvsc      synthetic network card (with accelerated networking as a VF beside it)
module hv_utils       time sync, heartbeat and shutdown from the host
optional nvme         NVMe disks of the v6 and later series
