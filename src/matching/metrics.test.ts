import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bCubed, bestEdgeF1, calibration, edgeScores, overMerges, pairwiseScores } from './metrics.js';

// Six records: true people A (3 records), B (2), C (1). Predicted clusters: {0,1}, {2,3,4}, {5}.
//            cluster 0   cluster 1   cluster 2
// person A       2           1           0
// person B       0           2           0
// person C       0           0           1
// TP = C(2,2)+C(1,2)+C(2,2)+C(1,2) = 1+0+1+0 = 2; predicted pairs = C(2,2)+C(3,2) = 4;
// true pairs = C(3,2)+C(2,2) = 4; precision = recall = F1 = 0.5.
const predicted = [0, 0, 1, 1, 1, 2];
const truth = ['A', 'A', 'A', 'B', 'B', 'C'];

test('pairwise precision and recall come from the contingency table of clusters against people', () => {
  const s = pairwiseScores(predicted, truth);
  assert.equal(s.truePositives, 2);
  assert.equal(s.predictedPairs, 4);
  assert.equal(s.truePairs, 4);
  assert.equal(s.precision, 0.5);
  assert.equal(s.recall, 0.5);
  assert.equal(s.f1, 0.5);
});

test('B-cubed averages each record’s overlap with its own cluster and its own person', () => {
  // Precision per record: 1,1,1/3,2/3,2/3,1 → 14/18; recall: 2/3,2/3,1/3,1,1,1 → 14/18.
  const b = bCubed(predicted, truth);
  assert.ok(Math.abs(b.precision - 14 / 18) < 1e-12);
  assert.ok(Math.abs(b.recall - 14 / 18) < 1e-12);
});

test('a cluster joining two different people counts as one over-merge', () => {
  assert.equal(overMerges(predicted, truth), 1);
  assert.equal(overMerges([0, 0, 1], ['A', 'A', 'B']), 0);
});

test('when linking two files only pairs across the files count', () => {
  // Person A has one record in each file, person B two in file 0 and none in file 1.
  const s = pairwiseScores([0, 0, 1, 1], ['A', 'A', 'B', 'B'], [0, 1, 0, 0]);
  assert.equal(s.truePairs, 1);
  assert.equal(s.predictedPairs, 1);
  assert.equal(s.truePositives, 1);
});

test('true pairs that blocking never produced count as misses in edge recall', () => {
  const e = edgeScores([0.99, 0.8, 0.2], [true, false, true], 4, 0.5);
  assert.equal(e.precision, 0.5);
  assert.equal(e.recall, 0.25);
  const best = bestEdgeF1([0.99, 0.8, 0.2], [true, false, true], 4);
  // Cut after 0.99: P=1, R=.25 → F1=.4; after 0.2: P=2/3, R=.5 → F1=4/7≈.571.
  assert.ok(Math.abs(best.f1 - 4 / 7) < 1e-12);
  assert.equal(best.threshold, 0.2);
});

test('calibration compares each band’s mean prediction with how often its pairs were truly one person', () => {
  // Four pairs near 0.995 of which three true; two near 0.05, neither true.
  const c = calibration([0.995, 0.995, 0.995, 0.995, 0.05, 0.05], [true, true, true, false, false, false]);
  const high = c.bands.find((b) => b.from === 0.99)!;
  assert.equal(high.pairs, 4);
  assert.ok(Math.abs(high.mean_predicted - 0.995) < 1e-12);
  assert.equal(high.observed, 0.75);
  const low = c.bands.find((b) => b.from === 0.01)!;
  assert.equal(low.pairs, 2);
  assert.equal(low.observed, 0);
  // Brier: three (0.005)², one (0.995)², two (0.05)²; ECE: 4/6·0.245 + 2/6·0.05.
  assert.ok(Math.abs(c.brier - (3 * 0.005 ** 2 + 0.995 ** 2 + 2 * 0.05 ** 2) / 6) < 1e-12);
  assert.ok(Math.abs(c.ece - ((4 / 6) * 0.245 + (2 / 6) * 0.05)) < 1e-12);
  // A probability of exactly 1 falls in the top band, not past it.
  assert.equal(calibration([1], [true]).bands.at(-1)!.pairs, 1);
});
