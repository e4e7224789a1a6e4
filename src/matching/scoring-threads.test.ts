import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateChildren } from '../demo/children-generator.js';
import { childScorer } from './child-model.js';
import { scoreDedupeJob, splitDedupeJob, type DedupeJob } from './dedupe-scoring.js';
import { DedupeScoringThreads } from './scoring-threads.js';

/** Seeded children (with their near-duplicates and twins) in blocks by year of birth. */
function aJob(): DedupeJob {
  const people: DedupeJob['people'] = {};
  const blocks = new Map<string, string[]>();
  for (const g of generateChildren({ seed: 5, count: 600, today: '2026-11-22' })) {
    people[g.id] = { identity: g.identity, sex: g.sex, createdAt: g.seq };
    const year = g.identity.dateOfBirth.slice(0, 4);
    blocks.set(year, [...(blocks.get(year) ?? []), g.id]);
  }
  return { blocks: [...blocks.values()], people };
}

const sorted = (r: { pairs: { incomingChildId: string; existingChildId: string; matchWeight: number }[] }) =>
  r.pairs.map((p) => `${p.incomingChildId}|${p.existingChildId}|${p.matchWeight.toFixed(9)}`).sort();

test('scoring on two threads finds exactly the pairs one thread finds', async () => {
  const job = aJob();
  const alone = scoreDedupeJob(job, childScorer());
  assert.ok(alone.pairs.length > 0, 'the seeded near-duplicates are found');
  const threads = new DedupeScoringThreads(childScorer(), 2);
  try {
    assert.equal(threads.threads, 2);
    const shared = await threads.score(job);
    assert.deepEqual(sorted(shared), sorted(alone));
    assert.equal(shared.pairsScored, alone.pairsScored);
  } finally {
    await threads.close();
  }
});

test('a job is split by pairs, not children, and each part carries only its own children', () => {
  const job = aJob();
  const parts = splitDedupeJob(job, 2);
  const load = (j: DedupeJob) => j.blocks.reduce((s, b) => s + (b.length * (b.length - 1)) / 2, 0);
  assert.equal(parts.length, 2);
  assert.ok(Math.abs(load(parts[0]!) - load(parts[1]!)) / load(job) < 0.1, 'the two parts have about equal work');
  for (const part of parts) {
    const ids = new Set(part.blocks.flat());
    assert.deepEqual(new Set(Object.keys(part.people)), ids);
  }
});
