import type { MatchRecord } from './match-record.js';
import { COMPARISONS, isEvidence } from './comparisons.js';
import { MODEL_FORMAT, MODEL_VERSION, Scorer, type MatchModel } from './model.js';
import { seededRandom } from './random.js';
import { priorFromCandidates, rulePrior, totalPairs } from './prior.estimate.js';

export interface TrainingOptions {
  /** Linking two files: only pairs across the files are possible matches. */
  link: boolean;
  /** Random pairs sampled to estimate u. */
  randomPairs?: number;
  emIterations?: number;
  seed?: number;
  /**
   * Share of true matches the deterministic rules are assumed to find. The rules are strict (all
   * of given name, family name and date of birth exact, or an exact strong identifier with the
   * same date of birth), so they find only the cleanest duplicates.
   */
  assumedRuleRecall?: number;
}

const C = COMPARISONS.length;

/** Level of every comparison for every pair, one byte each (MISSING and IMPLIED are negative). */
export function comparisonLevels(records: readonly MatchRecord[], pairs: Uint32Array): Int8Array {
  const count = pairs.length / 2;
  const out = new Int8Array(count * C);
  for (let p = 0; p < count; p += 1) {
    const a = records[pairs[2 * p] as number] as MatchRecord;
    const b = records[pairs[2 * p + 1] as number] as MatchRecord;
    for (let c = 0; c < C; c += 1) out[p * C + c] = (COMPARISONS[c] as (typeof COMPARISONS)[number]).compare(a, b);
  }
  return out;
}

/** Share of records holding each value of the term-frequency-adjusted fields. */
export function termFrequencies(records: readonly MatchRecord[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of COMPARISONS) {
    if (!c.termFrequency) continue;
    const counts = new Map<string, number>();
    let total = 0;
    for (const r of records) {
      const v = c.termFrequency.value(r);
      if (!v) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      total += 1;
    }
    const shares: Record<string, number> = {};
    for (const [v, n] of counts) shares[v] = n / Math.max(1, total);
    out[c.name] = shares;
  }
  return out;
}

/** u: how often each level occurs between two records drawn at random (almost all non-matches). */
function estimateU(records: readonly MatchRecord[], link: boolean, sample: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const left = link ? records.filter((r) => r.source === 0) : records;
  const right = link ? records.filter((r) => r.source === 1) : records;
  const counts = COMPARISONS.map((c) => new Float64Array(c.levels.length));
  const wanted = Math.min(sample, totalPairs(records, link));
  for (let s = 0; s < wanted; ) {
    const a = left[Math.floor(random() * left.length)];
    const b = right[Math.floor(random() * right.length)];
    if (!a || !b || a === b) continue;
    s += 1;
    COMPARISONS.forEach((c, ci) => {
      const level = c.compare(a, b);
      if (isEvidence(level)) (counts[ci] as Float64Array)[level] = ((counts[ci] as Float64Array)[level] ?? 0) + 1;
    });
  }
  // One pseudo-count per level keeps a level never seen at random from getting infinite weight.
  return counts.map((row) => {
    const total = row.reduce((x, y) => x + y, 0) + row.length;
    return Array.from(row, (n) => (n + 1) / total);
  });
}

/** Starting m: most matches agree exactly; the rest spread over weaker levels, few disagree outright. */
function initialM(levels: number): number[] {
  const m = Array.from({ length: levels }, (_, k) => (k === 0 ? 0.7 : k === levels - 1 ? 0.03 : 0.27 / Math.max(1, levels - 2)));
  const total = m.reduce((x, y) => x + y, 0);
  return m.map((x) => x / total);
}

/**
 * m by expectation–maximisation over a set of pairs; u stays at the random-pair estimate, as in
 * Splink. Two different people compare on a field as any two people do, whichever block brought
 * them together (the field a session blocks on is left out), so u need not be learnt again. When
 * EM learnt u as well, it was free to split the pairs into any two groups: on fake_1000 it put
 * every pair with different given names in the non-match group (m 0.000 against 0.067 in truth)
 * and so scored a true pair with a transposed name 14 bits against, where with u fixed it finds
 * m within a point or two of the truth on every evaluation set. The match share is learnt.
 */
function estimateM(levels: Int8Array, pairCount: number, u: readonly (readonly number[])[], startShare: number, iterations: number, active: readonly boolean[]): { m: number[][]; share: number; iterations: number } {
  let m = COMPARISONS.map((c) => initialM(c.levels.length));
  const logU = u.map((row) => row.map((x) => Math.log(x)));
  let share = Math.min(0.9, Math.max(0.01, startShare));
  const posterior = new Float64Array(pairCount);
  let done = 0;
  for (let it = 0; it < iterations; it += 1) {
    done = it + 1;
    const logM = m.map((row) => row.map((x) => Math.log(x)));
    const prior = Math.log(share / (1 - share));
    for (let p = 0; p < pairCount; p += 1) {
      let w = prior;
      for (let c = 0; c < C; c += 1) {
        const l = levels[p * C + c] as number;
        if (isEvidence(l) && active[c]) w += (logM[c]?.[l] ?? 0) - (logU[c]?.[l] ?? 0);
      }
      posterior[p] = 1 / (1 + Math.exp(-w));
    }
    const mCounts = COMPARISONS.map((c) => new Float64Array(c.levels.length).fill(0.01));
    let total = 0;
    for (let p = 0; p < pairCount; p += 1) {
      const q = posterior[p] as number;
      total += q;
      for (let c = 0; c < C; c += 1) {
        const l = levels[p * C + c] as number;
        if (!isEvidence(l)) continue;
        (mCounts[c] as Float64Array)[l] = ((mCounts[c] as Float64Array)[l] ?? 0) + q;
      }
    }
    const normalise = (row: Float64Array): number[] => {
      const s = row.reduce((x, y) => x + y, 0);
      return Array.from(row, (x) => x / s);
    };
    const nextM = mCounts.map(normalise);
    const change = Math.max(...nextM.flatMap((row, c) => row.map((x, l) => Math.abs(x - (m[c]?.[l] ?? 0)))));
    m = nextM;
    share = Math.min(0.999, Math.max(1e-6, total / Math.max(1, pairCount)));
    if (change < 1e-5) break;
  }
  return { m, share, iterations: done };
}

/** Exact-key pairs for one training session (groups larger than the cap are skipped). */
function sessionPairs(records: readonly MatchRecord[], link: boolean, key: (r: MatchRecord) => string | null): Uint32Array {
  const groups = new Map<string, number[]>();
  for (const r of records) {
    const k = key(r);
    if (k === null) continue;
    const g = groups.get(k);
    if (g) g.push(r.index);
    else groups.set(k, [r.index]);
  }
  const out: number[] = [];
  for (const g of groups.values()) {
    if (g.length < 2 || g.length > 200) continue;
    for (let x = 0; x < g.length; x += 1) {
      for (let y = x + 1; y < g.length; y += 1) {
        if (link && records[g[x] as number]?.source === records[g[y] as number]?.source) continue;
        out.push(g[x] as number, g[y] as number);
      }
    }
  }
  return Uint32Array.from(out);
}

/**
 * Training sessions in the manner of Splink: EM runs on pairs blocked on one exact key, and the
 * comparisons that key fixes are left out of that session (within it they carry no information).
 * Two sessions, one blocked on date of birth and one on names, give every comparison an estimate
 * from pairs that were not selected for agreeing on it. Training on the general candidate set
 * instead lets EM learn "same household" (shared surname and address) as the match class.
 */
const SESSIONS: readonly { name: string; fixes: readonly string[]; key: (r: MatchRecord) => string | null }[] = [
  { name: 'dob', fixes: ['dob'], key: (r) => r.dob?.text ?? null },
  { name: 'names', fixes: ['given_name', 'family_name'], key: (r) => (r.given && r.family ? `${r.given}|${r.family}` : null) },
];

/** Fewest pairs a session needs before its estimates are used. */
const MIN_SESSION_PAIRS = 50;

/**
 * Unsupervised training: u from random pairs, m by EM (see SESSIONS), then the prior from the
 * candidates (`priorFromCandidates`), started from deterministic rules. No labels are used.
 */
export function trainModel(records: readonly MatchRecord[], candidates: Uint32Array, levels: Int8Array, options: TrainingOptions): MatchModel {
  const seed = options.seed ?? 20240601;
  const iterations = options.emIterations ?? 40;
  const u = estimateU(records, options.link, options.randomPairs ?? 300_000, seed);
  const { prior, rulePairs } = rulePrior(records, options.link, options.assumedRuleRecall ?? 0.5);
  const sums = COMPARISONS.map((c) => new Array<number>(c.levels.length).fill(0));
  const sessionsUsed = COMPARISONS.map(() => 0);
  const training: Record<string, number | string> = {};
  for (const session of SESSIONS) {
    const pairs = sessionPairs(records, options.link, session.key);
    const count = pairs.length / 2;
    training[`session_${session.name}_pairs`] = count;
    if (count < MIN_SESSION_PAIRS) continue;
    const active = COMPARISONS.map((c) => !session.fixes.includes(c.name));
    const em = estimateM(comparisonLevels(records, pairs), count, u, 0.5, iterations, active);
    training[`session_${session.name}_iterations`] = em.iterations;
    COMPARISONS.forEach((_, ci) => {
      if (!active[ci]) return;
      sessionsUsed[ci] = (sessionsUsed[ci] ?? 0) + 1;
      em.m[ci]?.forEach((x, l) => ((sums[ci] as number[])[l] = ((sums[ci] as number[])[l] ?? 0) + x));
    });
  }
  // Comparisons no session could train (little data) fall back to EM over all candidates.
  const pairCount = candidates.length / 2;
  let fallback: number[][] | null = null;
  if (sessionsUsed.some((n) => n === 0) && pairCount > 0) {
    const startShare = (prior * totalPairs(records, options.link)) / pairCount;
    fallback = estimateM(levels, pairCount, u, startShare, iterations, COMPARISONS.map(() => true)).m;
  }
  const m = COMPARISONS.map((c, ci) => {
    const n = sessionsUsed[ci] ?? 0;
    if (n > 0) return (sums[ci] as number[]).map((x) => x / n);
    return fallback?.[ci] ?? initialM(c.levels.length);
  });
  const model: MatchModel = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    prior,
    comparisons: COMPARISONS.map((c, ci) => ({
      name: c.name,
      levels: c.levels.map((label, l) => ({ label, m: Math.max(1e-6, m[ci]?.[l] ?? 0), u: u[ci]?.[l] ?? 1 })),
    })),
    termFrequencies: termFrequencies(records),
    training: { records: records.length, randomPairs: options.randomPairs ?? 300_000, candidatePairs: pairCount, rulePairs, rulePrior: prior, ...training },
  };
  // The rules only started the prior; with m and u known, the candidates say how many match.
  const scorer = new Scorer(model);
  const evidence = new Float64Array(pairCount);
  for (let p = 0; p < pairCount; p += 1) {
    evidence[p] = scorer.matchWeight(records[candidates[2 * p] as number] as MatchRecord, records[candidates[2 * p + 1] as number] as MatchRecord) - scorer.priorWeight;
  }
  const refined = priorFromCandidates(evidence, prior, totalPairs(records, options.link));
  model.prior = refined.prior;
  model.training['prior_iterations'] = refined.iterations;
  return model;
}
