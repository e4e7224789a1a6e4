import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { aCouncilSocialWorker } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput } from '../../test/factories/children.js';
import type { Viewer } from '../access/viewer.js';
import { ShieldedNeighbours } from './shielded-neighbours.js';

let t: TestApp;
let councilCode: string;
let worker: Viewer;

before(async () => {
  t = await buildTestApp();
  ({ councilCode, worker } = await aCouncilSocialWorker(t));
});

after(() => t.close());

const shield = (childId: string) => t.services.childRecords.shield(worker, childId, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', reviewOn: '2027-05-01' }, null);

test('the shielded children\'s keys are kept between batches, and a child shielded, unshielded or given a new identity since is seen by the next', async () => {
  const people = {
    tamsin: { givenNames: 'Tamsin', sex: 'female' as const, familyName: 'Ormerod', dateOfBirth: '2012-08-19' },
    silas: { givenNames: 'Silas', sex: 'male' as const, familyName: 'Kilbride', dateOfBirth: '2014-02-11' },
  };
  const tamsin = await aChild(t, worker, aChildRecordInput(councilCode, people.tamsin));
  const silas = await aChild(t, worker, aChildRecordInput(councilCode, people.silas));
  await shield(silas);
  const records = [{ ...people.tamsin, nhsNumber: null }, { ...people.silas, nhsNumber: null }];

  const first = await ShieldedNeighbours.load(t.services.children);
  assert.deepEqual([...await first.near(records)], [1]);
  assert.equal(await ShieldedNeighbours.load(t.services.children, undefined, first), first, 'nothing changed: the same keys, not read again');

  // A child shielded between two batches is seen by the next one.
  await shield(tamsin);
  const second = await ShieldedNeighbours.load(t.services.children, undefined, first);
  assert.notEqual(second, first);
  assert.deepEqual([...await second.near(records)].sort(), [0, 1]);

  // A shielded child's new identity (its keys) is seen too.
  const child = await t.services.children.read(tamsin);
  assert.ok(child);
  await t.services.children.replaceIdentity(t.database.db, child, { ...child.identity, givenNames: 'Juno', familyName: 'Pendleton', dateOfBirth: '2013-03-03' });
  const third = await ShieldedNeighbours.load(t.services.children, undefined, second);
  assert.notEqual(third, second);
  assert.deepEqual([...await third.near(records)], [1]);

  // And a shield lifted.
  await t.services.childRecords.removeShield(worker, silas, null);
  const fourth = await ShieldedNeighbours.load(t.services.children, undefined, third);
  assert.deepEqual([...await fourth.near(records)], []);
});

test('the planner is told a child holds about twenty blind-index rows, so the shielded children\'s keys are read child by child', async () => {
  // ANALYZE alone judged about 120 at 1M children and read the shielded children's keys by a scan
  // of the whole index (2.4 s against 0.22 s); see migrations/20261202T090000_blind_index_rows_per_child.ts.
  const { rows: [column] } = await sql<{ options: string[] | null }>`
    SELECT attoptions AS options FROM pg_attribute WHERE attrelid = 'child_blind_index'::regclass AND attname = 'child_id'`.execute(t.database.db);
  assert.deepEqual(column?.options, ['n_distinct=-0.05']);
});
