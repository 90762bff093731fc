/** dist/kexec-commander.cjs: commander for the one-file kexec command (tsup.config.ts says why). */
export * from 'commander';
