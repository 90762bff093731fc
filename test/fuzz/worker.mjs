// The watchdog's worker thread: TypeScript through tsx (one module graph, so InitkitError is one class),
// then the run loop of worker-loop.ts.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
const { startWorker } = await import('./worker-loop.ts');
await startWorker();
