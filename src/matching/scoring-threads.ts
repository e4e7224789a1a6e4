import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { serialiseModel, type Scorer } from './model.js';
import { scoreDedupeJob, splitDedupeJob, type DedupeJob, type ScoredPair } from './dedupe-scoring.js';

type JobResult = { pairsScored: number; pairs: ScoredPair[] };

/**
 * Scores dedupe jobs on one thread per core: scoring millions of pairs is pure computation, so a
 * 2-core machine halves a whole-index scan. With one core (or `threads: 1`) it scores in this
 * thread. Call close() when done, or the threads keep the process alive.
 */
export class DedupeScoringThreads {
  readonly #workers: Worker[];

  constructor(private readonly scorer: Scorer, threads = availableParallelism()) {
    const model = threads > 1 ? serialiseModel(scorer.model) : '';
    this.#workers = threads > 1 ? Array.from({ length: threads }, () => startWorker(model)) : [];
  }

  get threads(): number {
    return Math.max(1, this.#workers.length);
  }

  async score(job: DedupeJob): Promise<JobResult> {
    if (this.#workers.length === 0) return scoreDedupeJob(job, this.scorer);
    const parts = splitDedupeJob(job, this.#workers.length);
    const results = await Promise.all(parts.map((part, i) => ask(this.#workers[i]!, part)));
    // A pair whose two children share blocks that went to different threads is scored by both.
    const pairs = new Map<string, ScoredPair>();
    for (const result of results) for (const pair of result.pairs) pairs.set(`${pair.incomingChildId}|${pair.existingChildId}`, pair);
    return { pairsScored: results.reduce((sum, r) => sum + r.pairsScored, 0), pairs: [...pairs.values()] };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

function ask(worker: Worker, job: DedupeJob): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (result: JobResult) => { done(); resolve(result); };
    const onError = (error: Error) => { done(); reject(error); };
    const onExit = (code: number) => { done(); reject(new Error(`a scoring thread stopped (exit code ${String(code)})`)); };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job);
  });
}

/**
 * Starts a scoring thread. Run from TypeScript (tsx), a thread does not inherit the loader, so it
 * starts through bin/worker-boot.mjs, which registers tsx first; compiled, it loads the .js module.
 */
function startWorker(model: string): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return new Worker(new URL('../../bin/worker-boot.mjs', here), { workerData: { module: new URL('./dedupe-worker.ts', here).href, model } });
  }
  return new Worker(new URL('./dedupe-worker.js', here), { workerData: { model } });
}
