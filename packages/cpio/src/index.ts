/**
 * @initkit/cpio: cpio newc/crc reader, streaming reader, writer, archive model and safe extraction.
 */
export {};
