/** dist/kexec-core.cjs: @initkit/core shared by the kexec command's files (tsup.config.ts says why). */
export * from '@initkit/core';
