import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { createServices } from '../app/services.js';
import { loadConfig } from '../platform/config/config.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { SignpostService } from '../involvements/signpost.service.js';
import { seedDemoWorld } from './seed.js';
import { seedInvolvements } from './involvements-seed.js';
import { DEMO_SCENARIO_CHILD_IDS } from './scenarios.js';

const clock = new FixedClock('2026-11-22T09:00:00Z');
const today = '2026-11-22';
const keys = new Keyring(randomBytes(32));
let database: TestDatabase;
const progress: [string, number, number][] = [];

before(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
  const services = createServices({ config, db: database.db, clock, keys });
  const result = await seedDemoWorld({ db: database.db, clock, users: services.users, keys }, {
    seed: 7, children: 300, onProgress: (stage, done, total) => progress.push([stage, done, total]),
  });
  assert.equal(result.childrenWithInvolvements, 300);
});
after(() => database.drop());

/** Everything the seed wrote, in a stable order, by value (ids included: they are derived too). */
async function snapshot() {
  const { db } = database;
  // created_at is when the row was written, the one column a re-run legitimately changes.
  const withoutCreatedAt = <T extends { created_at: Date }>(rows: T[]): T[] => rows.map((r) => ({ ...r, created_at: new Date(0) }));
  return {
    involvements: withoutCreatedAt(await db.selectFrom('involvements').selectAll().orderBy('id').execute()),
    flags: withoutCreatedAt(await db.selectFrom('child_flags').selectAll().orderBy('id').execute()),
    areas: withoutCreatedAt(await db.selectFrom('area_history').selectAll().orderBy('id').execute()),
  };
}

test('seeding the demo world gives every child involvements, flags and areas, with progress', async () => {
  // Each batch's involvements are written with it, so progress counts children with theirs.
  assert.deepEqual(progress.filter(([stage]) => stage === 'children').at(-1), ['children', 300, 300]);
  const { involvements, flags, areas } = await snapshot();
  const children = await database.db.selectFrom('children').select(['id', 'record_trigger', 'responsible_council_id']).execute();
  // The walkthrough's children come with their own rows.
  assert.equal(new Set(areas.map((a) => a.child_id)).size, 300 + DEMO_SCENARIO_CHILD_IDS.length);
  assert.ok(involvements.length > 600, `${involvements.length} involvements`);

  // Flags follow the record's trigger (held by this council or, pending transfer, the previous one).
  const flagKind: Record<string, string> = {
    child_protection_plan: 'child_protection_plan', looked_after: 'looked_after', child_in_need: 'child_in_need',
    early_help: 'early_help', care_leaver: 'care_leaver', unborn_child_protection_plan: 'unborn_child_protection_plan',
  };
  for (const child of children) {
    const kind = flagKind[child.record_trigger];
    if (!kind) continue;
    assert.ok(flags.some((f) => f.child_id === child.id && f.kind === kind && f.ended_on === null), `${child.record_trigger} flag for ${child.id}`);
    // Statutory work has one open lead professional.
    assert.equal(involvements.filter((i) => i.child_id === child.id && i.is_lead_professional && i.ended_on === null).length, 1);
  }
  // The current area is the council on the child's record.
  for (const child of children) {
    const current = areas.filter((a) => a.child_id === child.id && a.to_date === null);
    assert.deepEqual(current.map((a) => a.council_id), [child.responsible_council_id]);
  }
  const moved = new Set(areas.filter((a) => a.to_date !== null).map((a) => a.child_id));
  assert.ok(moved.size >= 8 && moved.size <= 50, `${moved.size} moved`);
  // Work ended by a move is a transfer by standard process.
  assert.ok(involvements.some((i) => moved.has(i.child_id) && i.end_reason === 'TSPROC'));
  assert.ok(involvements.some((i) => i.end_reason !== null && i.end_reason !== 'TSPROC'));

  // Some moved children still have work open in the council they left: the signpost says so.
  const signposts = new SignpostService({ db: database.db });
  let openElsewhere = 0;
  for (const childId of moved) {
    const view = await signposts.signpostFor(childId, today);
    if (view && view.area.openInAnotherArea.length > 0) openElsewhere += 1;
  }
  assert.ok(openElsewhere > 0);
});

test('seeding again adds nothing', async () => {
  const before = await snapshot();
  assert.deepEqual(await seedInvolvements({ db: database.db, clock }, { seed: 7 }), { children: 0, involvements: 0, flags: 0, areas: 0 });
  assert.deepEqual(await snapshot(), before);
});

/** The seeded rows of the generated children; the walkthrough children's rows are written with them and stay. */
async function deleteGeneratedRows(): Promise<void> {
  const { db } = database;
  await db.deleteFrom('involvements').where('child_id', 'not in', DEMO_SCENARIO_CHILD_IDS).execute();
  await db.deleteFrom('child_flags').where('child_id', 'not in', DEMO_SCENARIO_CHILD_IDS).execute();
  await db.deleteFrom('area_history').where('child_id', 'not in', DEMO_SCENARIO_CHILD_IDS).execute();
}

test('the same seed gives the same rows however the children are batched, and an interrupted run resumes', async () => {
  const first = await snapshot();
  const { db } = database;
  await deleteGeneratedRows();
  // Part of a run, then the rest: children with area history are skipped, the others completed.
  const partial = await db.selectFrom('children').select('id').orderBy('id').limit(120).execute();
  assert.equal(partial.length, 120);
  const calls: number[] = [];
  const result = await seedInvolvements({ db, clock }, { seed: 7, batchSize: 77, onProgress: (done, total) => { calls.push(done); assert.equal(total, 300); } });
  assert.equal(result.children, 300);
  assert.deepEqual(calls, [77, 154, 231, 300]);
  assert.deepEqual(await snapshot(), first);

  // A different seed gives a different world.
  await deleteGeneratedRows();
  await seedInvolvements({ db, clock }, { seed: 8 });
  assert.notDeepEqual(await snapshot(), first);
});
