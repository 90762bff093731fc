# ec2-xen: EC2 Xen instances (t2, m4, c4 and older): paravirtual disks and network, SR-IOV networking.
# Console: hvc0 (PV) or ttyS0 (HVM).
module xen-blkfront   EBS volumes as Xen block devices (/dev/xvda)
module xen-netfront   the Xen paravirtual network card
optional xen-pcifront PCI passthrough front-end (SR-IOV devices appear through it on PV guests)
optional xen-privcmd  /dev/xen/privcmd, used by the agents that read instance metadata through Xen
optional ixgbevf      Intel 82599 virtual function: enhanced networking (SR-IOV) on Xen instances
optional button       ACPI power button: EC2 stops an instance by pressing it
optional ipmi_msghandler  IPMI message handler (power control on dedicated hosts; absent from cloud kernels)
optional ipmi_poweroff    power off through IPMI (absent from cloud kernels)
optional xen-fbfront  Xen virtual framebuffer (often built in)
optional xen-kbdfront Xen virtual keyboard (often built in)
