import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `file` (a path like './dedupe-worker' without extension,
 * relative to `callerUrl`, the caller's import.meta.url). Run from TypeScript (tsx), a thread does
 * not inherit the loader, so it starts through bin/worker-boot.mjs, which registers tsx first;
 * compiled, it loads the .js module directly. `data` reaches the thread as its workerData.
 */
export function startWorker(callerUrl: string, file: string, data: Record<string, unknown>): Worker {
  if (callerUrl.endsWith('.ts')) {
    const boot = new URL('../../../bin/worker-boot.mjs', import.meta.url);
    return new Worker(boot, { workerData: { ...data, module: new URL(`${file}.ts`, callerUrl).href } });
  }
  return new Worker(new URL(`${file}.js`, callerUrl), { workerData: data });
}
