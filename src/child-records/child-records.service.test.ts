import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, aTestNhsNumber, aTestUpn, councilCodeOf } from '../../test/factories/children.js';
import { statementCounter } from '../../test/statement-counter.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Viewer } from '../access/viewer.js';
import { ukDate } from '../platform/time/calendar-date.js';
import { ChildRecordsService, PossibleDuplicateError } from './child-records.service.js';
import { lookReads } from './child-record-view.js';

let t: TestApp;
let councilId: string;
let councilCode: string;
let socialWorker: Viewer;
let otherCouncilWorker: Viewer;
let schoolLead: Viewer;
let feed: Viewer;

async function auditActions(childId: string): Promise<string[]> {
  const rows = await t.database.db.selectFrom('audit_entries').select(['action', 'reason']).where('child_id', '=', childId).orderBy('id').execute();
  return rows.map((r) => r.action);
}

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const worker = await anAccount(t, 'vetted', { organisationId: councilId });
  socialWorker = { kind: 'user', userId: worker.id, organisationId: councilId, role: 'social_worker' };
  const otherCouncil = await anOrganisation(t, 'council');
  const other = await anAccount(t, 'vetted', { organisationId: otherCouncil });
  otherCouncilWorker = { kind: 'user', userId: other.id, organisationId: otherCouncil, role: 'social_worker' };
  const school = await anOrganisation(t, 'school');
  const lead = await anAccount(t, 'vetted', { organisationId: school });
  schoolLead = { kind: 'user', userId: lead.id, organisationId: school, role: 'practitioner' };
  feed = { kind: 'api-client', clientId: 'school-mis', organisationId: school, sourceSystems: ['school-mis', 'system-a', 'system-b', 'gp-system'] };
});

after(() => t.close());

describe('creating a child record', () => {
  test('a practitioner creates a child after a search and sees the whole record with a reason', async () => {
    const nhsNumber = aTestNhsNumber();
    const upn = aTestUpn();
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Ashdown', nhsNumber, upn, councilChildId: 'LA-1001' }));
    const look = await t.services.childRecords.lookAt(schoolLead, childId, 'safeguarding concern', 'req-1');
    assert.ok(look.kind === 'full');
    const { record } = look;
    assert.equal(record.child.identity.familyName, 'Ashdown');
    assert.equal(record.child.identity.nhsNumber, nhsNumber);
    assert.deepEqual(record.child.identity.parentsCarers?.map((p) => p.relationship), ['mother']);
    assert.deepEqual(record.identifiers.map((i) => [i.kind, i.value]).sort(), [['council_child_id', 'LA-1001'], ['upn', upn]]);
    assert.equal(record.retention.kind, 'remove_on');
    assert.equal(record.signpost.area.current.councilId, councilId);
    assert.deepEqual(await auditActions(childId), ['create', 'view']);
  });

  test('a likely match must be shown before another record is made, and nothing is written until then', async () => {
    const first = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Brackenbury', givenNames: 'Ella', sex: 'female', dateOfBirth: '2014-02-03' }));
    const before = await t.services.children.count();
    await assert.rejects(
      t.services.childRecords.create(socialWorker, aChildRecordInput(councilCode, { familyName: 'Brakenbury', givenNames: 'Ella', sex: 'female', dateOfBirth: '2014-03-02' }), { reviewedMatches: [], requestId: null }),
      (error: unknown) => error instanceof PossibleDuplicateError && error.candidates.some((c) => c.childId === first),
    );
    assert.equal(await t.services.children.count(), before);
  });

  test('bad input names every field to fix and writes nothing', async () => {
    const before = await t.services.children.count();
    await assert.rejects(
      t.services.childRecords.create(socialWorker, aChildRecordInput(councilCode, { nhsNumber: '9434765918', upn: 'C801200005001', dateOfBirth: '2015-02-30', sex: 'boy' }), { reviewedMatches: [], requestId: null }),
      (error: unknown) => error instanceof ValidationError && ['nhsNumber', 'upn', 'dateOfBirth', 'sex'].every((f) => f in error.fields),
    );
    await assert.rejects(
      t.services.childRecords.create(socialWorker, aChildRecordInput('NO-SUCH-COUNCIL'), { reviewedMatches: [], requestId: null }),
      (error: unknown) => error instanceof ValidationError && 'responsibleCouncilCode' in error.fields,
    );
    assert.equal(await t.services.children.count(), before);
  });

  test('a UPN that already belongs to another child is refused', async () => {
    const upn = aTestUpn();
    await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Cartwright', upn }));
    await assert.rejects(
      aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Dunmore', givenNames: 'Amy', dateOfBirth: '2012-01-01', upn })),
      (error: unknown) => error instanceof ValidationError && 'upn' in error.fields,
    );
  });

  test('an unborn child is recorded with an expected date and no first name', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Eversley' }, 'unborn'));
    const look = await t.services.childRecords.lookAt(socialWorker, childId, 'pre-birth assessment', null);
    assert.ok(look.kind === 'full');
    assert.equal(look.record.child.unborn, true);
    assert.equal(look.record.child.identity.givenNames, null);
  });
});

describe('records from other agencies\' systems', () => {
  test('sending the same record twice makes one child and changes nothing the second time', async () => {
    const input = aChildRecordInput(councilCode, { familyName: 'Fairweather', givenNames: 'Noah', dateOfBirth: '2013-07-07' });
    const first = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-77' }, input, null);
    const countAfterFirst = await t.services.children.count();
    const again = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-77' }, input, null);
    assert.deepEqual(again, { childId: first.childId, created: false, changed: false });
    assert.equal(await t.services.children.count(), countAfterFirst);
    assert.deepEqual(await auditActions(first.childId), ['create']);
  });

  test('a second source id linked to a child does not rewrite it, and the first sending its record again unchanged is recognised without opening the child', async () => {
    const person = { familyName: 'Thornbury', givenNames: 'Elsie', sex: 'female' as const, dateOfBirth: '2012-04-19' };
    const first = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-90' }, aChildRecordInput(councilCode, { ...person, triggerDate: '2026-09-01' }), null);
    // The same child under a second id of the same system, with a later trigger date: linked to the first.
    const second = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-91' }, aChildRecordInput(councilCode, { ...person, triggerDate: '2026-09-20' }), null);
    assert.deepEqual(second, { childId: first.childId, created: false, changed: true });
    // Until this, each id's changes rewrote the child in turn (last writer wins between them).
    const update = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-91' }, aChildRecordInput(councilCode, { ...person, triggerDate: '2026-09-21' }), null);
    assert.deepEqual(update, { childId: first.childId, created: false, changed: false }, 'a changed record from the linked id, with nothing new to add, leaves the child as it is');
    const statements = statementCounter();
    const records = new ChildRecordsService({ db: t.database.db.withPlugin(statements.plugin), clock: t.clock, children: t.services.children, search: t.services.childSearch, audit: t.services.audit, notifications: t.services.notifications, retentionMonths: 12 });
    const again = await records.upsertFromSource(feed, { system: 'school-mis', id: 'P-90' }, aChildRecordInput(councilCode, { ...person, triggerDate: '2026-09-01' }), null);
    assert.deepEqual(again, { childId: first.childId, created: false, changed: false });
    assert.ok(statements.count() <= 2, `recognised without opening the child (${String(statements.count())} statements)`);
    assert.equal((await t.services.children.read(first.childId))?.triggerDate, '2026-09-01', 'the record its own source sent stands');
    assert.deepEqual(await auditActions(first.childId), ['create', 'update']);
  });

  test('an identifier stored before record digests existed is compared as before, then remembered', async () => {
    const input = aChildRecordInput(councilCode, { familyName: 'Wetherall', givenNames: 'Cyril', dateOfBirth: '2014-01-30' });
    const { childId } = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-92' }, input, null);
    await t.database.db.updateTable('child_identifiers').set({ record_digest: null }).where('child_id', '=', childId).execute();
    assert.deepEqual(await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-92' }, input, null), { childId, created: false, changed: false });
    const { record_digest: digest } = await t.database.db.selectFrom('child_identifiers').select('record_digest').where('child_id', '=', childId).where('kind', '=', 'source_system').executeTakeFirstOrThrow();
    assert.equal(digest?.length, 16);
  });

  test('a changed address updates the one child and keeps the old address in its history', async () => {
    const input = aChildRecordInput(councilCode, { familyName: 'Greenhalgh', givenNames: 'Isla', sex: 'female', dateOfBirth: '2011-11-11' });
    const { childId } = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-78' }, input, null);
    const moved = { ...input, address: { lines: ['2 New Road'], town: 'Bradford', postcode: 'BD1 1AA' } };
    const result = await t.services.childRecords.upsertFromSource(feed, { system: 'school-mis', id: 'P-78' }, moved, null);
    assert.deepEqual(result, { childId, created: false, changed: true });
    const child = await t.services.children.read(childId);
    assert.equal(child?.identity.address.kind === 'known' && child.identity.address.postcode, 'BD1 1AA');
    assert.equal(child?.identity.previousAddresses?.[0]?.address.kind === 'known' && child.identity.previousAddresses[0].address.postcode, 'LS1 4AB');
  });

  test('the same local id from two systems names two different children', async () => {
    const a = await t.services.childRecords.upsertFromSource(feed, { system: 'system-a', id: '1' }, aChildRecordInput(councilCode, { familyName: 'Hollingworth', givenNames: 'Zoe', sex: 'female' }), null);
    const b = await t.services.childRecords.upsertFromSource(feed, { system: 'system-b', id: '1' }, aChildRecordInput(councilCode, { familyName: 'Ingleby', givenNames: 'Max', dateOfBirth: '2010-05-05' }), null);
    assert.notEqual(a.childId, b.childId);
  });
});

describe('shielding', () => {
  test('a shielded child shows only the summary, except to a named seal-holder', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Jesmond', givenNames: 'Ruby', sex: 'female', dateOfBirth: '2012-12-12' }));
    await t.services.childRecords.shield(socialWorker, childId, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', reviewOn: '2027-05-01' }, null);

    const other = await t.services.childRecords.lookAt(schoolLead, childId, 'safeguarding concern', null);
    assert.ok(other.kind === 'shielded');
    assert.deepEqual(Object.keys(other.summary).sort(), ['childId', 'council', 'dateOfBirth', 'familyName', 'givenNames', 'sex']);
    assert.equal(other.summary.council.councilId, councilId);

    const holder = await t.services.childRecords.lookAt(socialWorker, childId, 'allocated worker', null);
    assert.ok(holder.kind === 'full');
    const council = await t.database.db.selectFrom('organisations').select('name').where('id', '=', councilId).executeTakeFirstOrThrow();
    assert.deepEqual(holder.record.shield, { reason: 'Risk of harm if location known', decidedBy: 'Head of Service', decidedOn: ukDate(t.clock.now()), reviewOn: '2027-05-01', council: council.name });
  });

  test('only the responsible council may shield a child', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Kettlewell', givenNames: 'Leo', dateOfBirth: '2015-01-20' }));
    await assert.rejects(t.services.childRecords.shield(otherCouncilWorker, childId, { reason: 'x', decidedBy: 'y', reviewOn: '2027-01-01' }, null), ForbiddenError);
    await assert.rejects(t.services.childRecords.shield(schoolLead, childId, { reason: 'x', decidedBy: 'y', reviewOn: '2027-01-01' }, null), ForbiddenError);
  });

  test('a feed\'s near-duplicate of a shielded child is shielded too', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Lindqvist', givenNames: 'Freya', sex: 'female', dateOfBirth: '2013-06-15' }));
    await t.services.childRecords.shield(socialWorker, childId, { reason: 'Fleeing domestic abuse', decidedBy: 'Team manager', reviewOn: '2027-03-01' }, null);
    const duplicate = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-1' }, aChildRecordInput(councilCode, { familyName: 'Lindquist', givenNames: 'Freya', sex: 'female', dateOfBirth: '2013-06-15' }), null);
    // Linked to the shielded child, or a new record that took its shield: either way shielded.
    const look = await t.services.childRecords.lookAt(schoolLead, duplicate.childId, 'safeguarding concern', null);
    assert.equal(look.kind, 'shielded');
  });

  test('a shield that followed a record from another council names the council that decided it, for who to ask', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Halvorsen', givenNames: 'Ingrid', sex: 'female', dateOfBirth: '2012-02-21' }));
    await t.services.childRecords.shield(socialWorker, childId, { reason: 'Witness protection', decidedBy: 'Head of Service', reviewOn: '2027-04-01' }, null);
    const otherCode = await councilCodeOf(t, otherCouncilWorker.organisationId);
    const fed = await t.services.childRecords.upsertFromSource(feed, { system: 'gp-system', id: 'G-2' }, aChildRecordInput(otherCode, { familyName: 'Halvorson', givenNames: 'Ingrid', sex: 'female', dateOfBirth: '2012-02-12' }), null);
    assert.equal(fed.created, true, 'a record of its own, which the shield followed');
    const look = await t.services.childRecords.lookAt(otherCouncilWorker, fed.childId, 'transfer in', null);
    assert.ok(look.kind === 'shielded');
    assert.equal(look.summary.council.councilId, councilId);
  });
});

describe('looking at a record', () => {
  test('a reason is required, and an unknown child is not found', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Moorcroft', givenNames: 'Ava', sex: 'female', dateOfBirth: '2016-08-08' }));
    await assert.rejects(t.services.childRecords.lookAt(schoolLead, childId, '  ', null), ValidationError);
    await assert.rejects(t.services.childRecords.lookAt(schoolLead, '00000000-0000-4000-8000-000000000000', 'x', null), NotFoundError);
    await assert.rejects(t.services.childRecords.lookAt(schoolLead, 'not-an-id', 'x', null), NotFoundError);
  });

  test('a look on its own is three statements and no transaction: access facts with the child, signpost, the rest of the record with the audit entry', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Oakenshaw', givenNames: 'Isla', sex: 'female', dateOfBirth: '2015-03-03', upn: aTestUpn() }));
    const statements = statementCounter();
    const s = t.services;
    const counted = t.database.db.withPlugin(statements.plugin);
    // BEGIN and COMMIT are two more round trips, which no plugin sees: opening a transaction throws.
    const db = new Proxy(counted, {
      get(target, property) {
        if (property === 'transaction') return () => { throw new Error('a look opened a transaction'); };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const records = new ChildRecordsService({ db, clock: t.clock, children: s.children, search: s.childSearch, audit: s.audit, notifications: s.notifications, retentionMonths: 12 });
    const look = await records.lookAt(schoolLead, childId, 'safeguarding concern', null);
    assert.ok(look.kind === 'full');
    assert.equal(look.record.identifiers.length, 1);
    // Every round trip costs the service's one thread twice over; a new read here should fold into one of these.
    assert.equal(statements.count(), 3);
    const entries = await t.database.db.selectFrom('audit_entries').select(['action', 'outcome']).where('child_id', '=', childId).where('actor_organisation_id', '=', schoolLead.organisationId).execute();
    assert.deepEqual(entries, [{ action: 'view', outcome: 'allowed' }]);
  });

  test('looks arriving together are read and recorded by one statement, each with its own entry; a look whose entry is refused fails alone', async () => {
    const names = ['Ashcombe', 'Bellamy', 'Carrow', 'Dunmore', 'Elland', 'Fenwick', 'Garside', 'Holroyd', 'Ibbotson'];
    const ids: string[] = [];
    for (const [i, familyName] of names.entries()) ids.push(await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName, givenNames: 'Rowan', dateOfBirth: `2015-04-${String(10 + i)}`, upn: aTestUpn() })));
    const reads = lookReads(t.database.db);
    const entryOf = (childId: string, requestId: string, reason = 'safeguarding concern') => t.services.audit.stamp({ actorUserId: (schoolLead as { userId: string }).userId, actorOrganisationId: schoolLead.organisationId, actorRole: 'practitioner', action: 'view', childId, basis: 'signpost', reason, outcome: 'allowed', requestId });
    const entriesOf = (prefix: string) => t.database.db.selectFrom('audit_entries').select(['child_id', 'request_id', sql<string>`entry_xid::text`.as('xid')]).where('request_id', 'like', `${prefix}-%`).orderBy('request_id').execute();

    // Called in one go: the first two start at once, alone; the other seven wait and go together.
    const together = await Promise.all(ids.map((childId, i) => reads({ childId, writes: { audit: entryOf(childId, `together-${String(i)}`), notices: [] } })));
    together.forEach((details) => assert.equal(details?.identifiers.length, 1, 'each look gets its own child\'s record'));
    const written = await entriesOf('together');
    assert.deepEqual(written.map((e) => e.child_id), ids, 'one entry a look, for its own child');
    assert.equal(new Set(written.slice(2).map((e) => e.xid)).size, 1, 'the seven waiting were written by one statement');

    // PostgreSQL refuses a NUL in text: that statement fails whole, and its looks are run again alone.
    const looks = await Promise.allSettled(ids.map((childId, i) => reads({ childId, writes: { audit: entryOf(childId, `refused-${String(i)}`, i === 5 ? 'refused \u0000 reason' : 'safeguarding concern'), notices: [] } })));
    assert.deepEqual(looks.map((look) => look.status), ids.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')));
    assert.deepEqual((await entriesOf('refused')).map((e) => e.request_id), ids.map((_, i) => `refused-${String(i)}`).filter((_, i) => i !== 5));
  });

  test('a legal hold keeps the record past its retention date', async () => {
    const childId = await aChild(t, socialWorker, aChildRecordInput(councilCode, { familyName: 'Northcott', givenNames: 'Jack', dateOfBirth: '2009-09-09' }));
    await t.services.childRecords.setLegalHold(socialWorker, childId, 'Court proceedings', null);
    const look = await t.services.childRecords.lookAt(socialWorker, childId, 'court', null);
    assert.ok(look.kind === 'full');
    assert.deepEqual(look.record.retention, { kind: 'legal_hold', reason: 'Court proceedings' });
  });
});
