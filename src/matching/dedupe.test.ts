import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { ChildrenService } from '../children/children.service.js';
import { generateChildren } from '../demo/children-generator.js';
import { seedChildren } from '../demo/children-seed.js';
import { DEMO_COUNCILS } from '../demo/demo-directory.js';
import { runDedupe } from './dedupe.js';
import { childScorer } from './child-model.js';
import { AUTO_LINK_THRESHOLD } from './online-match.js';

const clock = new FixedClock('2026-11-22T09:00:00Z');
const keys = new Keyring(randomBytes(32));
const COUNT = 1_500;
const SEED = 11;
let database: TestDatabase;
let children: ChildrenService;

before(async () => {
  database = await createTestDatabase();
  for (const c of DEMO_COUNCILS) await insertOrganisation(database.db, { code: c.code, kind: 'council', name: c.name });
  await seedChildren({ db: database.db, keys, clock }, { count: COUNT, seed: SEED });
  children = new ChildrenService({ db: database.db, keys });
});

after(() => database.drop());

const pairKey = (a: string, b: string): string => [a, b].sort().join('|');

async function queued(): Promise<Map<string, number>> {
  const { rows } = await sql<{ incoming_child_id: string; existing_child_id: string; probability: number }>`
    SELECT incoming_child_id, existing_child_id, probability FROM match_review_items WHERE origin = 'dedupe'`.execute(database.db);
  return new Map(rows.map((r) => [pairKey(r.incoming_child_id, r.existing_child_id), r.probability]));
}

test('a stopped scan resumes where it stopped, queues the seeded near-duplicates, keeps twins apart and merges nothing', async () => {
  const deps = { db: database.db, children, scorer: childScorer(), clock };
  const progress: [number, number][] = [];
  const first = await runDedupe(deps, { blocksPerBatch: 200, maxBatches: 2, onProgress: (_s, done, total) => progress.push([done, total]) });
  assert.equal(first.finished, false);
  assert.ok(progress.length >= 2 && progress.at(-1)![0] > 0, 'progress was reported');
  const rest = await runDedupe(deps, { blocksPerBatch: 200, onProgress: (_s, done, total) => progress.push([done, total]) });
  assert.equal(rest.finished, true);
  assert.equal(rest.resumed, true);
  assert.equal(progress.at(-1)![0], progress.at(-1)![1], 'the bar ends full');

  const generated = [...generateChildren({ seed: SEED, count: COUNT, today: '2026-11-22' })];
  const duplicates = generated.filter((g) => g.duplicateOf).map((g) => pairKey(g.id, g.duplicateOf!.id));
  const twins = generated.filter((g) => g.twinOf).map((g) => pairKey(g.id, g.twinOf!.id));
  assert.ok(duplicates.length >= 15, `the generator made ${String(duplicates.length)} near-duplicates`);
  const items = await queued();
  const found = duplicates.filter((d) => items.has(d)).length;
  assert.ok(found / duplicates.length >= 0.8, `${String(found)} of ${String(duplicates.length)} near-duplicates queued`);
  for (const twin of twins) assert.ok((items.get(twin) ?? 0) < AUTO_LINK_THRESHOLD, 'twins never score as one child');
  // Pairs above the link threshold are queued too: the scan never merges on its own.
  assert.ok([...items.values()].some((p) => p >= AUTO_LINK_THRESHOLD));
  const merged = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM children WHERE merged_into IS NOT NULL`.execute(database.db);
  assert.equal(merged.rows[0]!.n, 0);

  // A finished scan says so; a restarted one scores again but queues nothing twice.
  const again = await runDedupe(deps, {});
  assert.equal(again.finished, true);
  assert.equal(again.rowsScanned, 0);
  const restarted = await runDedupe(deps, { restart: true });
  assert.equal(restarted.itemsWritten, 0);
  assert.equal((await queued()).size, items.size);
});
