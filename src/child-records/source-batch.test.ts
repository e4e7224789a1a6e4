import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { aCouncilSocialWorker, anOrganisation } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, aDistinctIdentity, aTestUpn, MOVED } from '../../test/factories/children.js';
import { statementCounter } from '../../test/statement-counter.js';
import type { Viewer } from '../access/viewer.js';
import { DomainError, ValidationError } from '../platform/http/errors.js';
import { ChildRecordsService, type SourceUpsert } from './child-records.service.js';
import type { ChildRecordInput } from '../children/child-record-input.js';

let t: TestApp;
let councilCode: string;
let worker: Viewer;
let feed: Viewer;

before(async () => {
  t = await buildTestApp();
  ({ councilCode, worker } = await aCouncilSocialWorker(t));
  const police = await anOrganisation(t, 'police');
  feed = { kind: 'api-client', clientId: 'niche', organisationId: police, sourceSystems: ['gp-system'] };
});

after(() => t.close());

const input = (overrides: Partial<ChildRecordInput>) => aChildRecordInput(councilCode, { parentsCarers: [], ...overrides });
const upserted = (outcome: SourceUpsert | DomainError | undefined): SourceUpsert => {
  assert.ok(outcome && !(outcome instanceof DomainError), `expected an upsert, got ${outcome instanceof DomainError ? outcome.message : 'nothing'}`);
  return outcome;
};

async function reviewPairs(childId: string): Promise<string[]> {
  const { rows } = await sql<{ existing_child_id: string }>`SELECT existing_child_id FROM match_review_items WHERE incoming_child_id = ${childId}`.execute(t.database.db);
  return rows.map((r) => r.existing_child_id);
}

describe('a batch of records from one source', () => {
  test('each record has the outcome it would have had sent on its own, in order', async () => {
    const upn = aTestUpn();
    const known = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'B-X' }, input({ ...aDistinctIdentity(140), upn }), null);
    const shielded = await aChild(t, worker, input({ givenNames: 'Perdita', sex: 'female', familyName: 'Quenby', dateOfBirth: '2011-10-21' }));
    await t.services.childRecords.shield(worker, shielded, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', reviewOn: '2027-05-01' }, null);
    const moved = await aChild(t, worker, input({ givenNames: 'Rhiannon', sex: 'female', familyName: 'Stainforth', dateOfBirth: '2010-06-18' }));
    const before = (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM children`.execute(t.database.db)).rows[0]!.n;

    const outcomes = await t.services.childRecords.upsertManyFromSource(feed, 'gp-system', [
      { sourceId: 'B-0', input: input(aDistinctIdentity(141)) },
      { sourceId: 'B-1', input: input({ ...aDistinctIdentity(142), dateOfBirth: '2011-02-30' }) },
      { sourceId: 'B-X', input: input({ ...aDistinctIdentity(140), ...MOVED, upn }) },
      { sourceId: 'B-3', input: input(aDistinctIdentity(141)) },
      { sourceId: 'B-4', input: input({ givenNames: 'Perdita', sex: 'female', familyName: 'Quenby', dateOfBirth: '2011-10-21', ...MOVED }) },
      { sourceId: 'B-5', input: input({ ...aDistinctIdentity(145), upn }) },
      { sourceId: 'B-6', input: input({ givenNames: 'Rhiannon', sex: 'female', familyName: 'Stainforth', dateOfBirth: '2010-06-18', ...MOVED }) },
      { sourceId: 'B-7', input: input(aDistinctIdentity(147)) },
      { sourceId: 'B-8', input: input({ givenNames: 'Ignatius', sex: 'male', familyName: 'Hawthorne', dateOfBirth: '2011-10-21', address: { lines: ['9 Quay Road'], town: 'Hull', postcode: 'HU1 1AA' } }) },
    ], null);

    const first = upserted(outcomes[0]);
    assert.equal(first.created, true);
    assert.ok(outcomes[1] instanceof ValidationError && outcomes[1].fields['dateOfBirth'], 'an impossible date is refused, naming the field');
    assert.deepEqual(upserted(outcomes[2]), { childId: known.childId, created: false, changed: true });
    // The same child twice in one batch: the second is linked to the first, as it would be sent later.
    assert.deepEqual(upserted(outcomes[3]), { childId: first.childId, created: false, changed: true });
    const follower = upserted(outcomes[4]);
    assert.equal(follower.created, true);
    const { rows: [flag] } = await sql<{ shielded: boolean }>`SELECT shielded FROM children WHERE id = ${follower.childId}`.execute(t.database.db);
    assert.equal(flag?.shielded, true, 'the shield of a likely match follows the new record');
    assert.ok(outcomes[5] instanceof ValidationError && outcomes[5].fields['upn'], 'a UPN another child holds is refused, naming the field');
    const reviewed = upserted(outcomes[6]);
    assert.equal(reviewed.created, true);
    assert.deepEqual(await reviewPairs(reviewed.childId), [moved]);
    const last = upserted(outcomes[7]);
    assert.equal(last.created, true);
    assert.deepEqual(await reviewPairs(last.childId), []);

    // Born the same day as the shielded child, elsewhere, and nobody's likely match of her: no shield.
    const stranger = upserted(outcomes[8]);
    assert.equal(stranger.created, true);
    const { rows: [strangerFlag] } = await sql<{ shielded: boolean }>`SELECT shielded FROM children WHERE id = ${stranger.childId}`.execute(t.database.db);
    assert.equal(strangerFlag?.shielded, false);

    const after = (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM children`.execute(t.database.db)).rows[0]!.n;
    assert.equal(after - before, 5, 'five new children: B-0, B-4, B-6, B-7 and B-8');
    const { rows: audited } = await sql<{ child_id: string }>`
      SELECT child_id FROM audit_entries WHERE action = 'create' AND basis = 'feed from gp-system' AND child_id IN (${first.childId}, ${reviewed.childId}, ${last.childId}, ${follower.childId})`.execute(t.database.db);
    assert.equal(audited.length, 4, 'every new child has its audit entry');
    const again = await t.services.childRecords.upsertManyFromSource(feed, 'gp-system', [{ sourceId: 'B-7', input: input(aDistinctIdentity(147)) }], null);
    assert.deepEqual(again, [{ childId: last.childId, created: false, changed: false }], 'sending it again changes nothing');
  });

  test('a record of the same child as an earlier one that a shield follows waits for it, and joins it rather than slipping in unshielded', async () => {
    const person = { givenNames: 'Araminta', sex: 'female' as const, familyName: 'Fitzwilliam', dateOfBirth: '2010-03-14' };
    const shielded = await aChild(t, worker, input(person));
    await t.services.childRecords.shield(worker, shielded, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', reviewOn: '2027-05-01' }, null);
    const [first, second] = await t.services.childRecords.upsertManyFromSource(feed, 'gp-system', [
      { sourceId: 'W-1', input: input({ ...person, ...MOVED }) },
      { sourceId: 'W-2', input: input({ ...person, ...MOVED }) },
    ], null);
    const a = upserted(first);
    assert.equal(a.created, true);
    const { rows: [flag] } = await sql<{ shielded: boolean }>`SELECT shielded FROM children WHERE id = ${a.childId}`.execute(t.database.db);
    assert.equal(flag?.shielded, true, 'the first takes the shield');
    assert.deepEqual(upserted(second), { childId: a.childId, created: false, changed: true }, 'the second is linked to the first, as it would be sent after it');
  });

  test('a child shielded between two batches of a feed is seen by the second: the shield follows its likely match', async () => {
    const person = { givenNames: 'Philippa', sex: 'female' as const, familyName: 'Mountjoy', dateOfBirth: '2013-05-27' };
    const existing = await aChild(t, worker, input(person));
    const [warm] = await t.services.childRecords.upsertManyFromSource(feed, 'gp-system', [{ sourceId: 'L-1', input: input(aDistinctIdentity(160)) }], null);
    assert.equal(upserted(warm).created, true);
    await t.services.childRecords.shield(worker, existing, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', reviewOn: '2027-05-01' }, null);
    const [follower] = await t.services.childRecords.upsertManyFromSource(feed, 'gp-system', [{ sourceId: 'L-2', input: input({ ...person, ...MOVED }) }], null);
    const { rows: [flag] } = await sql<{ shielded: boolean }>`SELECT shielded FROM children WHERE id = ${upserted(follower).childId}`.execute(t.database.db);
    assert.equal(flag?.shielded, true);
  });

  test('a batch planned while the one before was stored is matched against that one once it is', async () => {
    const child = { ...aDistinctIdentity(170), address: { lines: ['4 Ferry Lane'], town: 'Goole', postcode: 'DN14 5AA' } };
    const earlier = await t.services.childRecords.planManyFromSource(feed, 'gp-system', [{ sourceId: 'P-1', input: input(child) }]);
    // Planned before the first is stored: the index cannot show it the same child.
    const later = await t.services.childRecords.planManyFromSource(feed, 'gp-system', [{ sourceId: 'P-2', input: input(child) }, { sourceId: 'P-3', input: input(aDistinctIdentity(171)) }]);
    const [first] = await t.services.childRecords.upsertPlannedFromSource(feed, earlier, null);
    const [second, third] = await t.services.childRecords.upsertPlannedFromSource(feed, later, null, earlier);
    const made = upserted(first);
    assert.equal(made.created, true);
    assert.deepEqual(upserted(second), { childId: made.childId, created: false, changed: true }, 'linked to the child the batch before made, as if sent one by one');
    assert.equal(upserted(third).created, true, 'a child of its own is stored as planned');
  });

  test('a shield set while a batch waited to be stored follows its likely match', async () => {
    const person = { givenNames: 'Cordelia', sex: 'female' as const, familyName: 'Wrenfield', dateOfBirth: '2012-08-09' };
    const existing = await aChild(t, worker, input(person));
    const earlier = await t.services.childRecords.planManyFromSource(feed, 'gp-system', [{ sourceId: 'Q-1', input: input(aDistinctIdentity(172)) }]);
    const later = await t.services.childRecords.planManyFromSource(feed, 'gp-system', [{ sourceId: 'Q-2', input: input({ ...person, ...MOVED }) }]);
    await t.services.childRecords.upsertPlannedFromSource(feed, earlier, null);
    await t.services.childRecords.shield(worker, existing, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', reviewOn: '2027-05-01' }, null);
    const [follower] = await t.services.childRecords.upsertPlannedFromSource(feed, later, null, earlier);
    const { rows: [flag] } = await sql<{ shielded: boolean }>`SELECT shielded FROM children WHERE id = ${upserted(follower).childId}`.execute(t.database.db);
    assert.equal(flag?.shielded, true);
  });

  test('new children are matched and stored in the same few statements however many the batch holds', async () => {
    const statements = statementCounter();
    const s = t.services;
    const records = new ChildRecordsService({ db: t.database.db.withPlugin(statements.plugin), clock: t.clock, children: s.children, search: s.childSearch, audit: s.audit, notifications: s.notifications, retentionMonths: 12 });
    const batchOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ sourceId: `S-${String(from + i)}`, input: input(aDistinctIdentity(from + i)) }));
    // The first batch of a service also reads every shielded child's search keys (later ones only what changed).
    await records.upsertManyFromSource(feed, 'gp-system', batchOf(190, 1), null);
    statements.reset();
    const small = await records.upsertManyFromSource(feed, 'gp-system', batchOf(200, 3), null);
    const fewer = statements.count();
    statements.reset();
    const large = await records.upsertManyFromSource(feed, 'gp-system', batchOf(240, 30), null);
    assert.ok([...small, ...large].every((o) => !(o instanceof DomainError) && o.created));
    assert.equal(statements.count(), fewer);
  });
});
