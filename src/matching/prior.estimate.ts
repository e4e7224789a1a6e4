import type { MatchRecord } from './match-record.js';

/** Every pair the run could join: all pairs of one file, or all pairs across two. */
export function totalPairs(records: readonly MatchRecord[], link: boolean): number {
  if (!link) return (records.length * (records.length - 1)) / 2;
  const a = records.filter((r) => r.source === 0).length;
  return a * (records.length - a);
}

/**
 * A starting prior from strict deterministic rules: pairs they find, scaled up by their assumed
 * recall. Only a start: the rules' real recall depends on how noisy the file is (about 5% on
 * fake_1000, where most duplicates carry a typo, against the 50% assumed), so
 * `priorFromCandidates` re-estimates it once the model has m and u.
 */
export function rulePrior(records: readonly MatchRecord[], link: boolean, assumedRecall: number): { prior: number; rulePairs: number } {
  const groups = new Map<string, number[]>();
  const add = (key: string, r: MatchRecord): void => {
    const g = groups.get(key);
    if (g) g.push(r.index);
    else groups.set(key, [r.index]);
  };
  for (const r of records) {
    if (r.given && r.family && r.dob) add(`names+dob:${r.given}:${r.family}:${r.dob.text}`, r);
    if (r.identifier && r.dob) add(`identifier+dob:${r.identifier}:${r.dob.text}`, r);
  }
  const seen = new Set<number>();
  const n = records.length;
  for (const g of groups.values()) {
    if (g.length < 2 || g.length > 200) continue;
    for (let x = 0; x < g.length; x += 1) {
      for (let y = x + 1; y < g.length; y += 1) {
        const i = Math.min(g[x] as number, g[y] as number);
        const j = Math.max(g[x] as number, g[y] as number);
        if (link && records[i]?.source === records[j]?.source) continue;
        seen.add(i * n + j);
      }
    }
  }
  const all = Math.max(1, totalPairs(records, link));
  const prior = Math.min(0.5, Math.max(1 / all, seen.size / assumedRecall / all));
  return { prior, rulePairs: seen.size };
}

/**
 * The prior as the expected share of matching pairs, by the fixed point of EM's update for it:
 * prior = Σ P(match | evidence, prior) / all pairs, the sum over the candidate pairs (pairs that
 * blocking never brought together are taken as non-matches). `evidence` is each candidate's match
 * weight without the prior, in bits, veto rules included, so twins count as no match. With m and u
 * fixed, the update is monotone and settles in a few dozen steps.
 *
 * Measured against the truth of the evaluation sets (not used to choose anything): FEBRL1 0.00093
 * (truth 0.00100), FEBRL2 0.00014 (0.00016), fake_1000 0.0032 (0.0041), where the rule prior was
 * 0.00081, 0.00010 and 0.00044: on noisy files the rules find few duplicates and their prior was
 * ten times too small, which held every true pair below the operating point.
 */
export function priorFromCandidates(evidence: Float64Array, start: number, allPairs: number): { prior: number; iterations: number } {
  const all = Math.max(1, allPairs);
  let prior = start;
  for (let it = 1; it <= 200; it += 1) {
    const logit = Math.log2(prior / (1 - prior));
    let expected = 0;
    for (const e of evidence) expected += 1 / (1 + 2 ** -(logit + e));
    const next = Math.min(0.5, Math.max(1 / all, expected / all));
    if (Math.abs(next - prior) <= 1e-9 * prior) return { prior: next, iterations: it };
    prior = next;
  }
  return { prior, iterations: 200 };
}
