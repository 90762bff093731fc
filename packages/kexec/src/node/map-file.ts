/**
 * A file's bytes mapped read-only (mmap through koffi) instead of read, as kexec-tools maps the initrd
 * (slurp_file_mmap): the kernel's kexec_load copies the segment straight from the page cache, and this
 * process never copies a large initrd into its own memory first. Under emulation, reading the 90 MiB
 * initrd of bench/kexec cost more than the whole `kexec -l`. Where mapping fails, the file is read.
 */
import { nodeFs } from '@initkit/core/node';
import { closeDescriptor, descriptorSize, openForReading } from './files.js';
import { kexecBindings } from './syscalls.js';

/** The file's bytes, mapped for the life of the process (or read when it cannot be mapped). Loads koffi. */
export async function mapFileReadOnly(path: string): Promise<Uint8Array> {
  const fd = openForReading(path);
  try {
    const size = descriptorSize(fd);
    if (size > 0) {
      const mapped = (await kexecBindings()).mapReadOnly(fd, size);
      // The mapping outlives the descriptor.
      if (mapped) return new Uint8Array(mapped);
    }
    const bytes = nodeFs().readFileSync(fd);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    closeDescriptor(fd);
  }
}
