import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { ChildrenService } from '../children/children.service.js';
import { generateChildren } from './children-generator.js';
import { seedChildren } from './children-seed.js';
import { DEMO_COUNCILS } from './demo-directory.js';

const clock = new FixedClock('2026-11-22T09:00:00Z');
const keys = new Keyring(randomBytes(32));
const databases: TestDatabase[] = [];

async function worldWithCouncils(): Promise<{ database: TestDatabase; councilIds: Map<string, string> }> {
  const database = await createTestDatabase();
  databases.push(database);
  const councilIds = new Map<string, string>();
  for (const c of DEMO_COUNCILS) councilIds.set(c.code, await insertOrganisation(database.db, { code: c.code, kind: 'council', name: c.name }));
  return { database, councilIds };
}

after(async () => {
  for (const database of databases) await database.drop();
});

let seeded: Awaited<ReturnType<typeof worldWithCouncils>>;
before(async () => {
  seeded = await worldWithCouncils();
});

test('seeding writes the generated children, sealed, with progress after every batch', async () => {
  const progress: number[] = [];
  const result = await seedChildren({ db: seeded.database.db, keys, clock }, { count: 600, seed: 11, batchSize: 250, onProgress: (done, total) => {
    assert.equal(total, 600);
    progress.push(done);
  } });
  assert.deepEqual(result, { created: 600, resumedFrom: 0, withInvolvements: 0 });
  assert.deepEqual(progress, [250, 500, 600]);

  const service = new ChildrenService({ db: seeded.database.db, keys });
  assert.equal(await service.count(), 600);
  const generated = [...generateChildren({ seed: 11, count: 600, today: '2026-11-22' })];
  const samples = [generated[0]!, generated[599]!, generated.find((g) => g.duplicateOf)!, generated.find((g) => g.identity.address.kind === 'no_known_address') ?? generated[1]!];
  for (const g of samples) {
    const stored = await service.read(g.id);
    assert.ok(stored, g.id);
    assert.deepEqual(stored.identity, g.identity);
    assert.equal(stored.responsibleCouncilId, seeded.councilIds.get(g.councilCode));
    assert.equal(stored.shielded, g.shield !== undefined, 'shielded, or a near-duplicate the shield followed');
    assert.equal(stored.recordTrigger, g.recordTrigger);
  }
});

test('seeding again does nothing, whatever the seed', async () => {
  assert.deepEqual(await seedChildren({ db: seeded.database.db, keys, clock }, { count: 600, seed: 11 }), { created: 0, resumedFrom: 600, withInvolvements: 0 });
  assert.deepEqual(await seedChildren({ db: seeded.database.db, keys, clock }, { count: 900, seed: 12 }), { created: 0, resumedFrom: 600, withInvolvements: 0 });
});

test('an interrupted seed carries on where it stopped, giving the same children as one run', async () => {
  const { database } = await worldWithCouncils();
  await seedChildren({ db: database.db, keys, clock }, { count: 300, seed: 5, batchSize: 100 });
  const result = await seedChildren({ db: database.db, keys, clock }, { count: 700, seed: 5, batchSize: 100 });
  assert.deepEqual(result, { created: 400, resumedFrom: 300, withInvolvements: 0 });
  const service = new ChildrenService({ db: database.db, keys });
  assert.equal(await service.count(), 700);
  const generated = [...generateChildren({ seed: 5, count: 700, today: '2026-11-22' })];
  for (const g of generated.filter((_, i) => i % 50 === 0)) {
    assert.deepEqual(await service.readIdentity(g.id), g.identity);
  }
  // Identifiers and shields were written with their children, once each.
  const identifiers = await database.db.selectFrom('child_identifiers').select(['child_id', 'kind', 'issuer']).execute();
  assert.equal(identifiers.length, generated.reduce((n, g) => n + g.identifiers.length, 0));
  const shields = await database.db.selectFrom('child_shields').select('child_id').execute();
  assert.deepEqual(shields.map((s) => s.child_id).sort(), generated.filter((g) => g.shield).map((g) => g.id).sort());
});

test('seeding children before the councils exist fails with a clear message', async () => {
  const database = await createTestDatabase();
  databases.push(database);
  await assert.rejects(seedChildren({ db: database.db, keys, clock }, { count: 10, seed: 1 }), /seed the demo world before its children/);
});
