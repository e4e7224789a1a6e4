/**
 * Checks that the product model's probabilities mean what they say, on children it was not trained
 * on: the seeded demo generator (synthetic; another seed than training's) is blocked as
 * `match dedupe` blocks, every candidate pair scored by the model the online matcher uses, and
 * each band of probability compared with how often its pairs are truly one child (the generator's
 * own near-duplicates). Twins and siblings are in the population, so the bands below the link
 * threshold show what a reviewer will meet there. Also what the online matcher would do with each
 * pair alone (link, or review), and how the twins fared. Prints counts and shares only.
 *
 *   node --import tsx scripts/check-child-model-calibration.ts [--count 30000] [--seed 2026]
 */
import { parseArgs } from 'node:util';
import { generateChildren } from '../src/demo/children-generator.js';
import { childMatchRecord } from '../src/matching/child-match-record.js';
import { candidatePairs } from '../src/matching/blocking.js';
import { childScorer } from '../src/matching/child-model.js';
import { calibration, calibrationTable } from '../src/matching/metrics.js';
import { AUTO_LINK_THRESHOLD, OnlineMatcher, REVIEW_THRESHOLD, worthReviewing } from '../src/matching/online-match.js';
import type { MatchRecord } from '../src/matching/match-record.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '30000' }, seed: { type: 'string', default: '2026' } } });
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 2 || !Number.isInteger(seed)) throw new Error('--count must be a whole number of at least 2 and --seed a whole number');

const records: MatchRecord[] = [];
// The child each record is in truth: a near-duplicate is the child it duplicates.
const personOf: number[] = [];
// Twins (the generator's second twin names the first): two children the matcher must keep apart.
const twinOf = new Map<number, number>();
for (const child of generateChildren({ seed, count, today: '2026-11-30' })) {
  records.push(childMatchRecord(child.identity, child.sex, records.length));
  personOf.push(child.duplicateOf?.seq ?? child.seq);
  if (child.twinOf) twinOf.set(child.seq, child.twinOf.seq);
}
const twins = (x: number, y: number): boolean => twinOf.get(x) === y || twinOf.get(y) === x;
const { pairs, count: pairCount } = candidatePairs(records, false);
const scorer = childScorer();
const probabilities = new Float64Array(pairCount);
const isTrue: boolean[] = [];
// What the online matcher would do with each pair alone: link it, or put it in front of a reviewer.
// Each count is [truly one child, two children].
const online: Record<'linked' | 'reviewed' | 'reviewedAbove90', [number, number]> = { linked: [0, 0], reviewed: [0, 0], reviewedAbove90: [0, 0] };
const tally = (counts: [number, number], truth: boolean): void => {
  counts[truth ? 0 : 1] += 1;
};
const twinPairs = { scored: 0, above99: 0, linked: 0 };
for (let p = 0; p < pairCount; p += 1) {
  const a = pairs[2 * p] as number;
  const b = pairs[2 * p + 1] as number;
  const truth = personOf[a] === personOf[b];
  const explanation = scorer.explain(records[a] as MatchRecord, records[b] as MatchRecord);
  probabilities[p] = explanation.probability;
  isTrue.push(truth);
  const twinPair = twins(personOf[a] as number, personOf[b] as number);
  if (twinPair) twinPairs.scored += 1;
  if (twinPair && explanation.probability >= AUTO_LINK_THRESHOLD) twinPairs.above99 += 1;
  if (!worthReviewing(explanation)) continue;
  const decision = OnlineMatcher.decide([{ childId: String(b), shielded: false, ...explanation }]);
  if (twinPair && decision.kind === 'link') twinPairs.linked += 1;
  tally(online[decision.kind === 'link' ? 'linked' : 'reviewed'], truth);
  if (decision.kind === 'review' && explanation.probability >= 0.9) tally(online.reviewedAbove90, truth);
}
const result = calibration(probabilities, isTrue);
console.log(`${String(count)} generated children (seed ${String(seed)}), ${String(pairCount)} candidate pairs, ${String(isTrue.filter(Boolean).length)} of them truly one child`);
console.log(`online thresholds: review from ${String(REVIEW_THRESHOLD)}, link from ${String(AUTO_LINK_THRESHOLD)}`);
console.log(`Brier ${result.brier.toFixed(6)}, expected calibration error ${result.ece.toFixed(6)}`);
console.log(`online, each pair alone: linked ${String(online.linked[0])} truly one child and ${String(online.linked[1])} not; sent to review ${String(online.reviewed[0])} and ${String(online.reviewed[1])} (shown to the reviewer as 90% likely or more: ${String(online.reviewedAbove90[0])} and ${String(online.reviewedAbove90[1])})`);
console.log(`twin pairs among the candidates: ${String(twinPairs.scored)}, at ${String(AUTO_LINK_THRESHOLD)} or more ${String(twinPairs.above99)}, linked online ${String(twinPairs.linked)}`);
for (const line of calibrationTable(result.bands, 'truly one child')) console.log(line);
