# btrfs: a Btrfs root file system.
filesystem btrfs
module btrfs          the Btrfs file system (with its checksum and compression modules)
