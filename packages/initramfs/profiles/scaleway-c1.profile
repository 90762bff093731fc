# scaleway-c1: Scaleway C1 (Marvell Armada 370/XP, armhf): the root is an NBD export reached over DHCP.
# Console: ttyS0. root=nbd:HOST:PORT[/EXPORT], or root=/dev/nbd0 with nbd_uri=nbd://HOST:PORT[/EXPORT] or the metadata volume.
optional mvneta_bm    the Armada hardware buffer manager, loaded before the NIC when the kernel has it (Debian's armmp does not: mvneta then uses software buffers)
module mvneta         the on-board Ethernet (with phylink and libphy): DHCP and NBD need it first
module nbd            the network block device the root file system is served over
init network
init nbd
