import { parentPort, workerData } from 'node:worker_threads';
import { parseModel, Scorer } from './model.js';
import { scoreDedupeJob, type DedupeJob } from './dedupe-scoring.js';

/**
 * A scoring thread for `signpost match dedupe` (see scoring-threads.ts): scores the jobs it is
 * sent with the model it was started with. It touches no database and logs nothing.
 */
const scorer = new Scorer(parseModel((workerData as { model: string }).model));
parentPort?.on('message', (job: DedupeJob) => {
  parentPort?.postMessage(scoreDedupeJob(job, scorer));
});
