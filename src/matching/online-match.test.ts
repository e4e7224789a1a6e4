import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, aTestNhsNumber, councilCodeOf, MOVED } from '../../test/factories/children.js';
import type { Viewer } from '../access/viewer.js';
import { AUTO_LINK_THRESHOLD, OnlineMatcher, REVIEW_THRESHOLD } from './online-match.js';
import { childScorer } from './child-model.js';
import { validateChildRecord } from '../children/child-record-input.js';

let t: TestApp;
let councilCode: string;
let worker: Viewer;
let feed: Viewer;

async function reviewItemsFor(childId: string) {
  const { rows } = await sql<{ incoming_child_id: string; existing_child_id: string; probability: number; explanation: { comparison: string; weight: number }[]; origin: string }>`
    SELECT incoming_child_id, existing_child_id, probability, explanation, origin FROM match_review_items
    WHERE incoming_child_id = ${childId} OR existing_child_id = ${childId}`.execute(t.database.db);
  return rows;
}

before(async () => {
  t = await buildTestApp();
  const councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const account = await anAccount(t, 'vetted', { organisationId: councilId });
  worker = { kind: 'user', userId: account.id, organisationId: councilId, role: 'social_worker' };
  const police = await anOrganisation(t, 'police');
  feed = { kind: 'api-client', clientId: 'niche', organisationId: police, sourceSystems: ['niche-rms', 'gp-system'] };
});

after(() => t.close());

describe('matching an incoming record against the index', () => {
  test('candidates come with a calibrated probability and a per-field explanation that adds up', async () => {
    const childId = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Wilfred', familyName: 'Pennywhistle', dateOfBirth: '2012-03-07' }));
    const record = validateChildRecord(aChildRecordInput(councilCode, { givenNames: 'Wilf', familyName: 'Pennywhistle', dateOfBirth: '2012-07-03' }), '2026-11-23');
    const matcher = new OnlineMatcher({ children: t.services.children, scorer: childScorer() });
    const [best] = await matcher.candidates(record.identity, record.sex);
    assert.ok(best, 'the child is a candidate');
    assert.equal(best.childId, childId);
    assert.ok(best.probability >= REVIEW_THRESHOLD);
    const sum = best.contributions.reduce((s, c) => s + c.weight, 0);
    assert.ok(Math.abs(sum - best.matchWeight) < 1e-9);
    assert.deepEqual(best.contributions.find((c) => c.comparison === 'dob')?.level, 'day_month_swapped');
  });

  test('a feed record of a child already known (nickname, same date of birth and home) is linked to that child, audited', async () => {
    const childId = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'William', familyName: 'Ashworthy', dateOfBirth: '2012-05-09' }));
    const linked = await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id: 'P-100' }, aChildRecordInput(councilCode, { givenNames: 'Billy', familyName: 'Ashworthy', dateOfBirth: '2012-05-09' }), 'req-link');
    assert.deepEqual(linked, { childId, created: false, changed: true });
    // The source id now finds the child: a repeat goes to the same record.
    const again = await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id: 'P-100' }, aChildRecordInput(councilCode, { givenNames: 'Billy', familyName: 'Ashworthy', dateOfBirth: '2012-05-09' }), null);
    assert.equal(again.childId, childId);
    const entry = await t.database.db.selectFrom('audit_entries').select(['action', 'basis', 'reason']).where('request_id', '=', 'req-link').executeTakeFirstOrThrow();
    assert.equal(entry.action, 'update');
    assert.match(entry.basis ?? '', /automatic match/);
    assert.match(entry.reason ?? '', /match probability 0\.9\d+|match probability 1\.0000/);
  });

  test('twins (same family name, date of birth and address, different given names) are never linked', async () => {
    const oscar = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Oscar', familyName: 'Okonkwo', dateOfBirth: '2015-06-02' }));
    for (const [id, givenNames, sex] of [['T-1', 'Grace', 'female'], ['T-2', 'Harry', 'male']] as const) {
      const twin = await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id }, aChildRecordInput(councilCode, { givenNames, sex, familyName: 'Okonkwo', dateOfBirth: '2015-06-02' }), null);
      assert.equal(twin.created, true, `${givenNames} is a new child`);
      assert.notEqual(twin.childId, oscar);
      for (const item of await reviewItemsFor(twin.childId)) assert.ok(item.probability < AUTO_LINK_THRESHOLD);
    }
  });

  test('twins, one named after the other’s middle name, with different NHS numbers are neither linked nor queued as one child', async () => {
    const imogen = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Imogen Rose', sex: 'female', familyName: 'Pemberton', dateOfBirth: '2013-02-14', nhsNumber: aTestNhsNumber() }));
    const rose = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-11' }, aChildRecordInput(councilCode, { givenNames: 'Rose', sex: 'female', familyName: 'Pemberton', dateOfBirth: '2013-02-14', nhsNumber: aTestNhsNumber() }), null);
    assert.equal(rose.created, true);
    assert.notEqual(rose.childId, imogen);
    for (const item of await reviewItemsFor(rose.childId)) assert.ok(item.probability < AUTO_LINK_THRESHOLD, String(item.probability));
  });

  test('a child known by her middle name, without an NHS number on the feed, is queued for a person as a likely match, not linked', async () => {
    const existing = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Harriet Maud', sex: 'female', familyName: 'Lindqvist', dateOfBirth: '2011-09-30', nhsNumber: aTestNhsNumber() }));
    const incoming = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-12' }, aChildRecordInput(councilCode, { givenNames: 'Maud', sex: 'female', familyName: 'Lindqvist', dateOfBirth: '2011-09-30' }), null);
    assert.equal(incoming.created, true);
    const [item, ...rest] = await reviewItemsFor(incoming.childId);
    assert.equal(rest.length, 0);
    assert.ok(item);
    assert.equal(item.existing_child_id, existing);
    assert.ok(item.probability >= AUTO_LINK_THRESHOLD, 'it still scores as a match');
  });

  test('a child known by his middle name is linked when the NHS numbers agree', async () => {
    const nhsNumber = aTestNhsNumber();
    const existing = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Thomas Edward', familyName: 'Blakemore', dateOfBirth: '2014-01-23', nhsNumber }));
    const linked = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-13' }, aChildRecordInput(councilCode, { givenNames: 'Edward', familyName: 'Blakemore', dateOfBirth: '2014-01-23', nhsNumber }), null);
    assert.deepEqual(linked, { childId: existing, created: false, changed: true });
  });

  test('a child who moved house is created and queued for review with the pair, score and explanation', async () => {
    const existing = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Perdita', sex: 'female', familyName: 'Quenby', dateOfBirth: '2011-10-21' }));
    const incoming = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-7' }, aChildRecordInput(councilCode, { givenNames: 'Perdita', sex: 'female', familyName: 'Quenby', dateOfBirth: '2011-10-21', ...MOVED }), null);
    assert.equal(incoming.created, true);
    const [item, ...rest] = await reviewItemsFor(incoming.childId);
    assert.equal(rest.length, 0);
    assert.ok(item);
    assert.deepEqual([item.incoming_child_id, item.existing_child_id, item.origin], [incoming.childId, existing, 'feed']);
    assert.ok(item.probability >= REVIEW_THRESHOLD && item.probability < AUTO_LINK_THRESHOLD, String(item.probability));
    assert.ok(item.explanation.some((c) => c.comparison === 'postcode' && c.weight < 0));
  });

  test('two different NHS numbers never link automatically, however alike the rest is', async () => {
    const existing = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Rosalind', sex: 'female', familyName: 'Marchbanks', dateOfBirth: '2013-01-30', nhsNumber: aTestNhsNumber() }));
    const incoming = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-8' }, aChildRecordInput(councilCode, { givenNames: 'Rosalind', sex: 'female', familyName: 'Marchbanks', dateOfBirth: '2013-01-30', nhsNumber: aTestNhsNumber() }), null);
    assert.equal(incoming.created, true);
    assert.notEqual(incoming.childId, existing);
    assert.equal((await reviewItemsFor(incoming.childId)).length, 1);
  });

  test('a boy and a girl at one home with similar-sounding names and one date of birth are not linked', async () => {
    const existing = await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Jayden', sex: 'male', familyName: 'Ravenscroft', dateOfBirth: '2016-09-09' }));
    const incoming = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-10' }, aChildRecordInput(councilCode, { givenNames: 'Jaydene', sex: 'female', familyName: 'Ravenscroft', dateOfBirth: '2016-09-09' }), null);
    assert.equal(incoming.created, true);
    assert.notEqual(incoming.childId, existing);
  });

  test('an unrelated child is simply created, with nothing queued', async () => {
    const created = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-9' }, aChildRecordInput(councilCode, { givenNames: 'Zebedee', familyName: 'Underhill', dateOfBirth: '2019-12-01', address: { lines: ['1 Quay Road'], town: 'Hull', postcode: 'HU1 1AA' } }), null);
    assert.equal(created.created, true);
    assert.equal((await reviewItemsFor(created.childId)).length, 0);
  });
});
