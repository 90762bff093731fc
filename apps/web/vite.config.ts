/**
 * The inspector's static build: index.html and its module worker into dist/, relative paths so the
 * folder can be served from anywhere (or opened from a CDN path). @initkit/* resolve to the packages'
 * built dist (their exports maps), so the bundle measures what npm users get.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  worker: { format: 'es' },
});
