/**
 * Compressed modules (.ko.gz, .ko.xz, .ko.zst) decoded through @initkit/compress, for initrds whose
 * insmod cannot decompress and for reading a module's ELF sections. The format comes from the magic
 * bytes, never from the file name.
 */
import { decode, detect } from '@initkit/compress';
import { type DecompressedModule, type DecompressModuleOptions, decompressModuleWith } from './module-compression.js';

export {
  type DecompressedModule,
  type DecompressModuleOptions,
  isElf,
} from './module-compression.js';

/** The module's ELF bytes, decompressing when the input starts with a compression magic. */
export function decompressModule(bytes: Uint8Array, options: DecompressModuleOptions = {}): DecompressedModule {
  return decompressModuleWith({ decode, detect }, bytes, options);
}
