/**
 * @initkit/compress: Detect and decode gzip, xz/lzma, zstd, lz4, lzo, bzip2; encode gzip, lzma, lz4.
 */
export {};
