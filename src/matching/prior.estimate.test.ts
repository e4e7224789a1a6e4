import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priorFromCandidates } from './prior.estimate.js';

test('the prior settles on the share of pairs the evidence says match, wherever it starts', () => {
  // 100 clear matches and 10,000 clear non-matches among a million pairs: the prior is 1e-4.
  const evidence = Float64Array.from({ length: 10_100 }, (_, i) => (i < 100 ? 40 : -40));
  for (const start of [1e-6, 1e-4, 0.01]) {
    const { prior } = priorFromCandidates(evidence, start, 1_000_000);
    assert.ok(Math.abs(prior - 1e-4) < 1e-7, `from ${String(start)}: ${String(prior)}`);
  }
});

test('pairs the evidence leaves open count in part, and the prior they imply lifts them', () => {
  // 20 bits of evidence for a pair in a million: alone it is a coin toss at a prior of 1e-6, but
  // when a thousand such pairs are there, matches are that common.
  const evidence = new Float64Array(1_000).fill(20);
  const { prior } = priorFromCandidates(evidence, 1e-6, 1_000_000);
  assert.ok(prior > 9e-4 && prior <= 1e-3, String(prior));
});
