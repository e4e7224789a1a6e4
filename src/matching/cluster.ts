import type { MatchRecord } from './match-record.js';
import { identifiersConflict, twinOrKnownByMiddleName, vetoRule } from './comparisons.js';
import { probabilityFromWeight, weightFromProbability, type Scorer } from './model.js';

export interface ClusterOptions {
  threshold: number;
  /**
   * Before two groups are joined, every pair across them is scored; if the evidence on any pair
   * would leave it at or below this probability from even odds (its match weight without the
   * prior), the records say they are different people and the join is refused. This stops chains
   * (A≈B, B≈C, A≠C) from turning into one over-merged cluster.
   */
  conflictProbability: number;
  /** Groups whose join would need more cross checks than this are not joined automatically. */
  maxCrossChecks: number;
}

export const DEFAULT_CLUSTER_OPTIONS: Omit<ClusterOptions, 'threshold'> = { conflictProbability: 0.01, maxCrossChecks: 2_500 };

export interface Clustering {
  /** Cluster number for every record, 0..clusters-1. */
  clusterOf: Int32Array;
  clusters: number;
  refusedJoins: number;
}

/**
 * Connected components over pairs scoring at or above the threshold, built strongest edge first,
 * with guards against over-merging: pairs a veto rule covers (twins, household namesakes) never join, nor pairs that
 * may be twins or one child known by a middle name (a person decides those); when two groups join, the evidence on no
 * pair across them may be strongly negative, and records with different strong identifiers must themselves score
 * above the threshold.
 */
export function clusterPairs(records: readonly MatchRecord[], pairs: Uint32Array, probabilities: Float64Array, scorer: Scorer, options: ClusterOptions): Clustering {
  const n = records.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[x] !== r) {
      const next = parent[x] as number;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const edges: number[] = [];
  for (let p = 0; p < probabilities.length; p += 1) if ((probabilities[p] as number) >= options.threshold) edges.push(p);
  edges.sort((x, y) => (probabilities[y] as number) - (probabilities[x] as number));
  let refusedJoins = 0;
  for (const p of edges) {
    const ra = find(pairs[2 * p] as number);
    const rb = find(pairs[2 * p + 1] as number);
    if (ra === rb) continue;
    const A = members[ra] as number[];
    const B = members[rb] as number[];
    if (!canJoin(records, A, B, scorer, options)) {
      refusedJoins += 1;
      continue;
    }
    const [big, small] = A.length >= B.length ? [ra, rb] : [rb, ra];
    parent[small] = big;
    (members[big] as number[]).push(...(members[small] as number[]));
    members[small] = [];
  }
  const clusterOf = new Int32Array(n);
  const numbers = new Map<number, number>();
  for (let i = 0; i < n; i += 1) {
    const root = find(i);
    let id = numbers.get(root);
    if (id === undefined) {
      id = numbers.size;
      numbers.set(root, id);
    }
    clusterOf[i] = id;
  }
  return { clusterOf, clusters: numbers.size, refusedJoins };
}

function canJoin(records: readonly MatchRecord[], A: readonly number[], B: readonly number[], scorer: Scorer, options: ClusterOptions): boolean {
  if (A.length * B.length > options.maxCrossChecks) return false;
  const single = A.length === 1 && B.length === 1;
  for (const i of A) {
    const a = records[i] as MatchRecord;
    for (const j of B) {
      const b = records[j] as MatchRecord;
      if (vetoRule(a, b) !== null) return false;
      // Twins or one child known by a middle name: the score cannot tell, so no automatic join.
      if (twinOrKnownByMiddleName(a, b)) return false;
      // The edge itself already passed the threshold; only chains need the cross checks.
      if (single) continue;
      const weight = scorer.matchWeight(a, b);
      // The evidence alone, without the prior: a pair inside a chain is not two records drawn at
      // random, and with the prior a pair whose fields are mostly missing (no evidence either way)
      // scored ≤ 0.01 and blocked joins its own duplicates made (fake_1000: 23 true pairs).
      if (weight - scorer.priorWeight <= weightFromProbability(options.conflictProbability)) return false;
      const p = probabilityFromWeight(weight);
      // Two different strong identifiers may share a cluster only if that pair is itself a confident match.
      if (identifiersConflict(a, b) && p < options.threshold) return false;
    }
  }
  return true;
}
