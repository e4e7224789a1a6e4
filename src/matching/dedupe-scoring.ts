import type { ChildIdentity, Sex } from '../children/child-identity.js';
import { childMatchRecord } from './child-match-record.js';
import type { MatchRecord } from './match-record.js';
import { weightFromProbability, type Contribution, type Scorer } from './model.js';
import { REVIEW_THRESHOLD, worthReviewing } from './online-match.js';

/**
 * One share of a dedupe batch: blocks of child ids, and the opened identities and creation times
 * of exactly the children in them. Plain data, so it can be handed to a scoring thread.
 */
export interface DedupeJob {
  blocks: string[][];
  people: Record<string, { identity: ChildIdentity; sex: Sex; createdAt: number }>;
}

/** A pair worth a person's look: the newer record is the one a merge would fold away. */
export interface ScoredPair {
  incomingChildId: string;
  existingChildId: string;
  probability: number;
  matchWeight: number;
  contributions: Contribution[];
}

/** The match weight of the review threshold: pairs below it are not written. */
const REVIEW_WEIGHT = weightFromProbability(REVIEW_THRESHOLD);

/**
 * Scores every pair within each block and returns those worth reviewing. Most pairs are strangers
 * sharing a date of birth: bounded scoring drops them after the cheap comparisons, and only pairs
 * that reach the review threshold are explained.
 */
export function scoreDedupeJob(job: DedupeJob, scorer: Scorer): { pairsScored: number; pairs: ScoredPair[] } {
  const records = new Map<string, MatchRecord>();
  const recordOf = (id: string): MatchRecord | null => {
    let r = records.get(id);
    if (!r) {
      const person = job.people[id];
      if (!person) return null;
      records.set(id, (r = childMatchRecord(person.identity, person.sex)));
    }
    return r;
  };
  // A pair can come round twice in one job only when both children sit in more than one of its
  // blocks (several name sounds, say); only those pairs are remembered, not the millions of pairs
  // in date-of-birth blocks, where every child has one block.
  const blocksOf = new Map<string, number>();
  for (const block of job.blocks) for (const id of block) blocksOf.set(id, (blocksOf.get(id) ?? 0) + 1);
  const seen = new Set<string>();
  const pairs: ScoredPair[] = [];
  let pairsScored = 0;
  for (const block of job.blocks) {
    for (let i = 0; i < block.length; i += 1) {
      for (let j = i + 1; j < block.length; j += 1) {
        const p = block[i]!;
        const q = block[j]!;
        const x = p < q ? p : q;
        const y = p < q ? q : p;
        if ((blocksOf.get(x) ?? 0) > 1 && (blocksOf.get(y) ?? 0) > 1) {
          const key = `${x}|${y}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        const a = recordOf(x);
        const b = recordOf(y);
        if (!a || !b) continue;
        pairsScored += 1;
        if (scorer.matchWeightAtLeast(a, b, REVIEW_WEIGHT) === null) continue;
        const explanation = scorer.explain(a, b);
        if (!worthReviewing(explanation)) continue;
        const [incoming, existing] = (job.people[x]?.createdAt ?? 0) > (job.people[y]?.createdAt ?? 0) ? [x, y] : [y, x];
        pairs.push({ incomingChildId: incoming, existingChildId: existing, probability: explanation.probability, matchWeight: explanation.matchWeight, contributions: explanation.contributions });
      }
    }
  }
  return { pairsScored, pairs };
}

/**
 * Splits blocks into `parts` jobs of about equal work (pairs, not children), largest blocks first
 * to the least-loaded part, each carrying only its own children.
 */
export function splitDedupeJob(job: DedupeJob, parts: number): DedupeJob[] {
  const shares = Array.from({ length: Math.max(1, parts) }, () => ({ load: 0, blocks: [] as string[][] }));
  for (const block of [...job.blocks].sort((a, b) => b.length - a.length)) {
    const least = shares.reduce((min, s) => (s.load < min.load ? s : min));
    least.blocks.push(block);
    least.load += (block.length * (block.length - 1)) / 2;
  }
  return shares.filter((s) => s.blocks.length > 0).map((s) => {
    const people: DedupeJob['people'] = {};
    for (const block of s.blocks) for (const id of block) if (job.people[id]) people[id] = job.people[id];
    return { blocks: s.blocks, people };
  });
}
