import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/threads/start-worker.js';
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
    this.#workers = threads > 1 ? Array.from({ length: threads }, () => startScoringWorker(model)) : [];
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

/** Starts a scoring thread on the model, serialised. */
function startScoringWorker(model: string): Worker {
  return startWorker(import.meta.url, './dedupe-worker', { model });
}
