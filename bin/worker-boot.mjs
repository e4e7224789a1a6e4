// Entry point for worker threads when Signpost runs from its TypeScript sources (as `npx signpost`
// and the tests do): a thread does not inherit the main thread's tsx loader, so it registers tsx
// and then loads the TypeScript module it was started for (workerData.module).
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.module);
