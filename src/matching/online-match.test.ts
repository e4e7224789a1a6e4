import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { aCouncilSocialWorker, anOrganisation } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, aTestNhsNumber, MOVED } from '../../test/factories/children.js';
import type { Viewer } from '../access/viewer.js';
import { AUTO_LINK_THRESHOLD, BLOCKING_RULE, BLOCKING_WEIGHTS, CANDIDATE_LIMIT, OnlineMatcher, REVIEW_THRESHOLD } from './online-match.js';
import { childScorer } from './child-model.js';
import { validateChildRecord } from '../children/child-record-input.js';
import { randomUUID } from 'node:crypto';
import type { Child, ChildIdentity } from '../children/child-identity.js';
import { MAX_CODES_FOR_TRIPLES, metaphoneCodes, nameForms } from '../children/blind-index.js';

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
  ({ councilCode, worker } = await aCouncilSocialWorker(t));
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

  test('a linked source\'s later changes add its identifiers but do not rewrite the child\'s record; the creating source\'s still do', async () => {
    const own = { system: 'gp-system', id: 'GP-7' };
    const created = await t.services.childRecords.upsertFromSource(feed, own, aChildRecordInput(councilCode, { givenNames: 'Theodore', familyName: 'Marchbanks', dateOfBirth: '2013-02-17' }), null);
    const childId = created.childId;
    const linkedSource = { system: 'niche-rms', id: 'P-777' };
    const billyLike = (overrides: Record<string, unknown>) => aChildRecordInput(councilCode, { givenNames: 'Teddy', familyName: 'Marchbanks', dateOfBirth: '2013-02-17', ...overrides });
    assert.deepEqual(await t.services.childRecords.upsertFromSource(feed, linkedSource, billyLike({}), null), { childId, created: false, changed: true });
    // The linked system moves the child, calls it another trigger, and now knows a police reference.
    const update = billyLike({ address: { lines: ['2 Elm Row'], town: 'Bristol', postcode: 'BS1 5TT' }, recordTrigger: 'early_help', policeReference: 'NICHE-4471' });
    assert.deepEqual(await t.services.childRecords.upsertFromSource(feed, linkedSource, update, 'req-linked-update'), { childId, created: false, changed: true });
    const child = await t.services.children.read(childId, t.database.db);
    assert.ok(child);
    assert.equal(child.identity.givenNames, 'Theodore');
    assert.equal(child.recordTrigger, 'child_in_need');
    assert.deepEqual(child.identity.address, { kind: 'known', lines: ['14 Canal Street'], town: 'Leeds', postcode: 'LS1 4AB' });
    const kinds = await t.database.db.selectFrom('child_identifiers').select(['kind', 'linked']).where('child_id', '=', childId).orderBy('kind').execute();
    assert.deepEqual(kinds.map((k) => `${k.kind}${k.linked ? ' (linked)' : ''}`), ['police_reference', 'source_system', 'source_system (linked)']);
    const entry = await t.database.db.selectFrom('audit_entries').select(['basis', 'reason']).where('request_id', '=', 'req-linked-update').executeTakeFirstOrThrow();
    assert.equal(entry.basis, 'feed update from a linked source');
    // A further change with nothing new to add changes nothing, and says so.
    assert.deepEqual(await t.services.childRecords.upsertFromSource(feed, linkedSource, { ...update, triggerDate: '2026-10-01' }, null), { childId, created: false, changed: false });
    // The system that created the record still keeps it up to date.
    await t.services.childRecords.upsertFromSource(feed, own, aChildRecordInput(councilCode, { givenNames: 'Theodore', familyName: 'Marchbanks', dateOfBirth: '2013-02-17', address: { lines: ['9 Oak Lane'], town: 'Leeds', postcode: 'LS6 1QA' } }), null);
    assert.deepEqual((await t.services.children.read(childId, t.database.db))?.identity.address, { kind: 'known', lines: ['9 Oak Lane'], town: 'Leeds', postcode: 'LS6 1QA' });
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

/**
 * The blocking rule as it was first written, straight over the stored single values: each child
 * ranked by the summed weights of the values it shares with the record, at least the minimum,
 * best first, ties by id, at most the limit. The composite keys must give exactly this. Reads the
 * index as it is now; the function it returns applies the rule to a record.
 */
async function theRule(matcher: OnlineMatcher): Promise<(identity: ChildIdentity) => { childId: string; hits: number }[]> {
  const { rows } = await sql<{ child_id: string; kind: string; value: Buffer }>`
    SELECT child_id, kind, value FROM child_blind_index WHERE kind = ANY(${Object.keys(BLOCKING_WEIGHTS)}::text[])`.execute(t.database.db);
  const holders = new Map<string, string[]>();
  for (const r of rows) {
    const key = `${r.kind}:${r.value.toString('hex')}`;
    holders.set(key, [...(holders.get(key) ?? []), r.child_id]);
  }
  return (identity) => {
    const hits = new Map<string, number>();
    for (const e of matcher.blockingProbe(identity).ranking) {
      for (const childId of holders.get(`${e.kind}:${e.value.toString('hex')}`) ?? []) hits.set(childId, (hits.get(childId) ?? 0) + BLOCKING_WEIGHTS[e.kind]!);
    }
    return [...hits].filter(([, n]) => n >= BLOCKING_RULE.minScore).map(([childId, n]) => ({ childId, hits: n }))
      .sort((a, b) => b.hits - a.hits || (a.childId < b.childId ? -1 : 1)).slice(0, CANDIDATE_LIMIT);
  };
}

describe('blocking through composite keys', () => {
  // A crowded neighbourhood: few dates (some whose day and month swap), few postcodes, few NHS
  // numbers, sound-alike and double-barrelled family names, former names. Every way the rule can
  // block a pair happens many times over, and some records block more children than the limit.
  const dates = ['2014-03-07', '2014-07-03', '2014-03-08', '2014-11-30', '2015-03-07', '2015-05-05', '2013-01-02', '2013-02-01', '2013-10-11', '2013-11-10', '2016-06-06', '2016-01-12', '2016-12-01', '2012-08-30'];
  const families = ['Smith', 'Smyth', 'Schmidt', 'Jones', 'Smith-Jones', 'Jones Smith', 'Brown-Smith-Jones', "O'Brien", 'Schmidt-Wojcik-Jankowski-Gallagher-Czerny-Rzepka'];
  const postcodes = ['LS6 2AB', 'LS6 2AD', 'BD1 2XY', 'YO1 7HH', 'HU1 1AA', 'M1 1AE', 'S1 2BJ', 'LS1 4AB', null];
  const nhsNumbers = [null, null, null, aTestNhsNumber(), aTestNhsNumber()];
  let seed = 20261201;
  const pick = <T>(from: readonly T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return from[seed % from.length]!;
  };
  const anIdentity = (): ChildIdentity => {
    const postcode = pick(postcodes);
    return {
      givenNames: pick(['Ava', 'Ben', 'Cara']), familyName: pick(families), formerFamilyNames: pick([[], [], [pick(families)], ['Dunmore-Ellery', 'Hawthorne']]),
      dateOfBirth: pick(dates), nhsNumber: pick(nhsNumbers),
      address: postcode === null ? { kind: 'no_known_address' } : { kind: 'known', lines: ['1 High Street'], town: 'Leeds', postcode },
    };
  };
  const sounds = (identity: ChildIdentity) => new Set([identity.familyName, ...identity.formerFamilyNames].flatMap((n) => nameForms(n).flatMap((f) => metaphoneCodes(f)))).size;

  test('find exactly the children the weighted rule blocks, in its order, one record at a time and for a batch', async () => {
    const matcher = new OnlineMatcher({ children: t.services.children, scorer: childScorer() });
    const councilId = (await t.database.db.selectFrom('organisations').select('id').where('kind', '=', 'council').executeTakeFirstOrThrow()).id;
    const stored: Child[] = Array.from({ length: 400 }, () => ({
      id: randomUUID(), responsibleCouncilId: councilId, recordTrigger: 'child_in_need', triggerDate: '2026-09-01', sex: 'female', unborn: false, shielded: false, identity: anIdentity(),
    }));
    await t.services.children.add(stored);
    // The paths the keys take: triples, and the marker and plain sound lists past the triples' bound.
    assert.ok(stored.some((c) => sounds(c.identity) >= 3 && sounds(c.identity) <= MAX_CODES_FOR_TRIPLES));
    assert.ok(stored.some((c) => sounds(c.identity) > MAX_CODES_FOR_TRIPLES));
    const records = Array.from({ length: 120 }, anIdentity);
    const expected = records.map(await theRule(matcher));
    const sizes = expected.map((e) => e.length).join(' ');
    assert.ok(expected.some((e) => e.length === CANDIDATE_LIMIT), `some records block more children than the limit: ${sizes}`);
    assert.ok(expected.some((e) => e.length > 0 && e.length < CANDIDATE_LIMIT), `and some fewer: ${sizes}`);
    for (const [i, record] of records.entries()) assert.deepEqual(await matcher.blocked(record), expected[i], `record ${i}`);
    assert.deepEqual(await matcher.blockedForEach(records.map((r) => matcher.blockingProbe(r))), expected);
  });

  test('find a child by a swapped date of birth, by NHS number alone, after a move, and by a double-barrelled name in the birth year', async () => {
    const matcher = new OnlineMatcher({ children: t.services.children, scorer: childScorer() });
    const councilId = (await t.database.db.selectFrom('organisations').select('id').where('kind', '=', 'council').executeTakeFirstOrThrow()).id;
    const nhsNumber = aTestNhsNumber();
    const identity: ChildIdentity = {
      givenNames: 'Wilhelmina', familyName: 'Featherstonehaugh-Pryce', formerFamilyNames: [], dateOfBirth: '2012-04-09', nhsNumber,
      address: { kind: 'known', lines: ['2 Wharf Road'], town: 'York', postcode: 'YO1 7HH' },
    };
    const childId = randomUUID();
    await t.services.children.add([{ id: childId, responsibleCouncilId: councilId, recordTrigger: 'child_in_need', triggerDate: '2026-09-01', sex: 'female', unborn: false, shielded: false, identity }]);
    const elsewhere = { kind: 'known' as const, lines: ['9 Other Road'], town: 'Hull', postcode: 'HU1 1AA' };
    const cases: [string, ChildIdentity][] = [
      ['swapped date of birth, same name, moved', { ...identity, nhsNumber: null, dateOfBirth: '2012-09-04', address: elsewhere }],
      ['NHS number alone', { ...identity, familyName: 'Ng', dateOfBirth: '2010-01-01', address: elsewhere }],
      ['moved house', { ...identity, nhsNumber: null, address: elsewhere }],
      ['same home, same sound, another day in the year', { ...identity, nhsNumber: null, familyName: 'Pryce', dateOfBirth: '2012-12-25' }],
      ['double-barrelled name in the birth year, nothing else', { ...identity, nhsNumber: null, dateOfBirth: '2012-12-25', address: elsewhere }],
    ];
    const rule = await theRule(matcher);
    for (const [name, record] of cases) {
      const blocked = await matcher.blocked(record);
      assert.ok(blocked.some((b) => b.childId === childId), name);
      assert.deepEqual(blocked, rule(record), name);
    }
  });
});
