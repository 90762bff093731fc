/** The limits parseFdt honours, so a hostile blob cannot make it allocate or recurse without bound. */
export interface FdtLimits {
  /** Largest totalsize accepted (default 64 MiB; real blobs are tens of KiB). */
  maxTotalBytes: number;
  /** Largest single property value (default 16 MiB). */
  maxPropertyBytes: number;
  /** Deepest node nesting, the root being depth 1 (default 256). */
  maxDepth: number;
}

export const DEFAULT_FDT_LIMITS: Readonly<FdtLimits> = Object.freeze({
  maxTotalBytes: 64 * 1024 * 1024,
  maxPropertyBytes: 16 * 1024 * 1024,
  maxDepth: 256,
});
