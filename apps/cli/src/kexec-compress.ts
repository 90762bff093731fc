/** dist/kexec-compress.cjs: @initkit/compress for the one-file kexec command (tsup.config.ts says why). */
export * from '@initkit/compress';
