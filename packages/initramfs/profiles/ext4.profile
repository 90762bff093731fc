# ext4: the default root file system.
filesystem ext4
module ext4           the ext4 file system (with jbd2, mbcache, crc16 and its crc32c soft dependency)
