import type { MatchRecord } from './match-record.js';
import { candidatePairs } from './blocking.js';
import { comparisonLevels, trainModel } from './train.js';
import { Scorer, type MatchModel } from './model.js';
import { clusterPairs, DEFAULT_CLUSTER_OPTIONS, type Clustering } from './cluster.js';

/**
 * The product's operating point, declared before any evaluation: join two records only when the
 * model is at least 99% sure. A false merge (two children made one) costs far more than a missed
 * duplicate, which stays open for a person to review.
 */
export const DEFAULT_THRESHOLD = 0.99;

/** Reports progress of a long stage: (stage, done, total). */
export type ProgressReporter = (stage: string, done: number, total: number) => void;

export interface BatchResult {
  model: MatchModel;
  pairs: Uint32Array;
  probabilities: Float64Array;
  clustering: Clustering;
  oversizedBlocks: number;
}

/** De-duplicates one set of records, or links two (source 0 ↔ source 1), end to end. */
export function runBatch(records: readonly MatchRecord[], options: { link: boolean; threshold: number; progress?: ProgressReporter }): BatchResult {
  const progress = options.progress ?? (() => undefined);
  progress('blocking', 0, 1);
  const candidates = candidatePairs(records, options.link);
  progress('blocking', 1, 1);
  progress('comparing', 0, candidates.count);
  const levels = comparisonLevels(records, candidates.pairs);
  progress('comparing', candidates.count, candidates.count);
  progress('training', 0, 1);
  const model = trainModel(records, candidates.pairs, levels, { link: options.link });
  progress('training', 1, 1);
  const scorer = new Scorer(model);
  const probabilities = new Float64Array(candidates.count);
  const step = 50_000;
  for (let p = 0; p < candidates.count; p += 1) {
    probabilities[p] = scorer.probability(records[candidates.pairs[2 * p] as number] as MatchRecord, records[candidates.pairs[2 * p + 1] as number] as MatchRecord);
    if (p % step === 0) progress('scoring', p, candidates.count);
  }
  progress('scoring', candidates.count, candidates.count);
  const clustering = clusterPairs(records, candidates.pairs, probabilities, scorer, { ...DEFAULT_CLUSTER_OPTIONS, threshold: options.threshold });
  return { model, pairs: candidates.pairs, probabilities, clustering, oversizedBlocks: candidates.oversizedBlocks };
}
