import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  clean: true,
  target: 'node18',
  platform: 'node',
  // Each area becomes its own chunk so a command loads only the code it runs.
  splitting: true,
});
