# xfs: an XFS root file system.
filesystem xfs
module xfs            the XFS file system (with libcrc32c)
