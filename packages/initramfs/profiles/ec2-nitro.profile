# ec2-nitro: EC2 Nitro instances (m5, c5, t3 and later): EBS and instance stores are NVMe, the network is ENA.
# Console: ttyS0.
module nvme           EBS volumes and instance-store disks are NVMe controllers (/dev/nvme0n1)
module ena            the Elastic Network Adapter (Nitro's network card)
