import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { insertPractitioners } from '../organisations/practitioners.repository.js';
import { ChildrenService } from '../children/children.service.js';
import { AreaHistoryService } from './area-history.service.js';
import { FlagsService } from './flags.service.js';
import { InvolvementsService } from './involvements.service.js';
import { SignpostService } from './signpost.service.js';

let database: TestDatabase;
let involvements: InvolvementsService;
let flags: FlagsService;
let areas: AreaHistoryService;
let signposts: SignpostService;
let children: ChildrenService;
const org: Record<'leeds' | 'bristol' | 'leedsSchool' | 'bristolSchool' | 'trust', string> = { leeds: '', bristol: '', leedsSchool: '', bristolSchool: '', trust: '' };
const staff: Record<'leedsSw' | 'leedsSw2' | 'dsl' | 'bristolSw' | 'camhs', string> = { leedsSw: '', leedsSw2: '', dsl: '', bristolSw: '', camhs: '' };

before(async () => {
  database = await createTestDatabase();
  const { db } = database;
  org.leeds = await insertOrganisation(db, { code: 'LEE', kind: 'council', name: 'Leeds City Council', officeHoursPhone: '0113 496 0100', emergencyDutyPhone: '0113 496 0199' });
  org.bristol = await insertOrganisation(db, { code: 'BRS', kind: 'council', name: 'Bristol City Council', officeHoursPhone: '0117 496 0100', emergencyDutyPhone: '0117 496 0199' });
  org.leedsSchool = await insertOrganisation(db, { code: 'SCH-LEE-1', kind: 'school', name: 'Hyde Park Primary School', councilId: org.leeds, officeHoursPhone: '0113 496 0401' });
  org.bristolSchool = await insertOrganisation(db, { code: 'SCH-BRS-1', kind: 'school', name: 'Clifton Academy', councilId: org.bristol, officeHoursPhone: '0117 496 0401' });
  org.trust = await insertOrganisation(db, { code: 'RR8', kind: 'nhs_trust', name: 'Leeds Teaching Hospitals NHS Trust', officeHoursPhone: '0113 496 0800' });
  await insertPractitioners(db, [
    { organisationId: org.leeds, name: 'Aisha Khan', role: 'allocated_social_worker', team: 'Assessment', phone: '0113 496 0210', email: 'aisha.khan@lee.gov.test' },
    { organisationId: org.leeds, name: 'Tom Briggs', role: 'allocated_social_worker', team: 'Child protection', phone: '0113 496 0220', email: null },
    { organisationId: org.leedsSchool, name: 'Ruth Adeyemi', role: 'designated_safeguarding_lead', team: null, phone: null, email: 'dsl@school1.lee.sch.test' },
    { organisationId: org.bristol, name: 'Megan Price', role: 'allocated_social_worker', team: 'Assessment', phone: '0117 496 0210', email: null },
    { organisationId: org.trust, name: 'Dr Sam Patel', role: 'camhs_practitioner', team: null, phone: '0113 496 0850', email: null },
  ]);
  const rows = await db.selectFrom('practitioners').select(['id', 'name']).execute();
  const id = (name: string) => rows.find((r) => r.name === name)!.id;
  staff.leedsSw = id('Aisha Khan');
  staff.leedsSw2 = id('Tom Briggs');
  staff.dsl = id('Ruth Adeyemi');
  staff.bristolSw = id('Megan Price');
  staff.camhs = id('Dr Sam Patel');
  involvements = new InvolvementsService({ db });
  flags = new FlagsService({ db });
  areas = new AreaHistoryService({ db });
  signposts = new SignpostService({ db });
  children = new ChildrenService({ db, keys: new Keyring(randomBytes(32)) });
});
after(() => database.drop());

async function aChild(councilId = org.leeds): Promise<string> {
  const id = randomUUID();
  await children.add([{
    id, responsibleCouncilId: councilId, recordTrigger: 'child_in_need', triggerDate: '2026-01-10', sex: 'female', unborn: false, shielded: false,
    identity: { givenNames: 'Ava', familyName: 'Testchild', formerFamilyNames: [], dateOfBirth: '2016-05-01', address: { kind: 'no_known_address' }, nhsNumber: null },
  }]);
  return id;
}

function socialWork(childId: string, overrides: Partial<Parameters<InvolvementsService['add']>[0]> = {}) {
  return {
    childId,
    organisationId: org.leeds,
    practitionerId: staff.leedsSw,
    service: 'Children\'s social care – Assessment team',
    role: 'allocated_social_worker',
    isLeadProfessional: true,
    startedOn: '2026-01-10',
    ...overrides,
  };
}

/** Asserts a ValidationError naming exactly these fields, each message mentioning its field. */
async function rejectsNaming(work: Promise<unknown>, fields: string[]): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(Object.keys(error.fields).sort(), [...fields].sort());
    for (const field of fields) {
      assert.ok(error.fields[field]!.includes(field), error.fields[field]);
      assert.ok(error.message.includes(field), error.message);
    }
    return true;
  });
}

describe('recording who is involved', () => {
  test('an unknown organisation or practitioner is refused, naming the field', async () => {
    const child = await aChild();
    await rejectsNaming(involvements.add(socialWork(child, { organisationId: randomUUID() })), ['organisationId']);
    await rejectsNaming(involvements.add(socialWork(child, { practitionerId: randomUUID() })), ['practitionerId']);
    await rejectsNaming(involvements.add(socialWork(child, { childId: randomUUID() })), ['childId']);
    // A practitioner must work for the organisation the involvement is with.
    await rejectsNaming(involvements.add(socialWork(child, { practitionerId: staff.bristolSw })), ['practitionerId']);
  });

  test('every malformed field is named in one error', async () => {
    const child = await aChild();
    await rejectsNaming(
      involvements.add(socialWork(child, { role: 'wizard', startedOn: '2026-02-30', service: ' ', organisationId: 'LEE', sensitiveBasis: 'consent' })),
      ['role', 'startedOn', 'service', 'organisationId', 'sensitiveBasis'],
    );
  });

  test('ending before the start, or with a reason that is not a DfE code, is refused', async () => {
    const child = await aChild();
    const { id } = await involvements.add(socialWork(child));
    await rejectsNaming(involvements.end(id, { endedOn: '2026-01-09', endReason: 'LEFTRL' }), ['endedOn']);
    await rejectsNaming(involvements.end(id, { endedOn: '2026-03-01', endReason: 'RETIRED' }), ['endReason']);
    await assert.rejects(involvements.end(id, { endedOn: '2026-03-01', endReason: 'RETIRED' }), /MANAGE, FCONTA, LEFTRL/);
    await involvements.end(id, { endedOn: '2026-03-01', endReason: 'LEFTRL' });
    // A retried feed ending it the same way is harmless; a different end date is a conflict.
    await involvements.end(id, { endedOn: '2026-03-01', endReason: 'LEFTRL' });
    await assert.rejects(involvements.end(id, { endedOn: '2026-03-02', endReason: 'LEFTRL' }), ConflictError);
    await assert.rejects(involvements.end(randomUUID(), { endedOn: '2026-03-01', endReason: 'LEFTRL' }), NotFoundError);
  });

  test('a child has one open lead professional at a time', async () => {
    const child = await aChild();
    const first = await involvements.add(socialWork(child));
    await assert.rejects(involvements.add(socialWork(child, { practitionerId: staff.leedsSw2 })), ConflictError);
    await involvements.end(first.id, { endedOn: '2026-04-01', endReason: 'TSPROC' });
    const second = await involvements.add(socialWork(child, { practitionerId: staff.leedsSw2, startedOn: '2026-04-01' }));
    assert.equal(second.created, true);
  });

  test('the same feed message twice records one involvement', async () => {
    const child = await aChild();
    const source = { system: 'leeds-mosaic', id: 'WKR-123' };
    const first = await involvements.add(socialWork(child, { source, isLeadProfessional: false }));
    const again = await involvements.add(socialWork(child, { source, isLeadProfessional: false }));
    assert.deepEqual(again, { id: first.id, created: false });
    const count = await database.db.selectFrom('involvements').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source_system', '=', 'leeds-mosaic').where('source_id', '=', 'WKR-123').executeTakeFirstOrThrow();
    assert.equal(count.n, 1);
    // The same key for a different child is a mistake in the feed, not a new involvement.
    await assert.rejects(involvements.add(socialWork(await aChild(), { source, isLeadProfessional: false })), ConflictError);
    // Flags are idempotent the same way.
    const flag = await flags.set({ childId: child, kind: 'child_in_need', responsibleCouncilId: org.leeds, startedOn: '2026-01-10', source: { system: 'leeds-mosaic', id: 'CIN-9' } });
    assert.deepEqual(await flags.set({ childId: child, kind: 'child_in_need', responsibleCouncilId: org.leeds, startedOn: '2026-01-10', source: { system: 'leeds-mosaic', id: 'CIN-9' } }), { id: flag.id, created: false });
  });
});

describe('status flags', () => {
  test('a flag needs a council, and cannot end before it started', async () => {
    const child = await aChild();
    await rejectsNaming(flags.set({ childId: child, kind: 'child_protection_plan', responsibleCouncilId: org.leedsSchool, startedOn: '2026-01-10' }), ['responsibleCouncilId']);
    await rejectsNaming(flags.set({ childId: child, kind: 'on_a_list', responsibleCouncilId: org.leeds, startedOn: '2026-01-10' }), ['kind']);
    const { id } = await flags.set({ childId: child, kind: 'child_protection_plan', responsibleCouncilId: org.leeds, startedOn: '2026-01-10' });
    await rejectsNaming(flags.end(id, '2025-12-31'), ['endedOn']);
    // Another council cannot open the same kind of flag while Leeds holds one.
    await assert.rejects(flags.set({ childId: child, kind: 'child_protection_plan', responsibleCouncilId: org.bristol, startedOn: '2026-02-01' }), ConflictError);
  });
});

describe('moving area', () => {
  test('a move closes the current area and opens the new one', async () => {
    const child = await aChild();
    assert.equal((await areas.recordMove(child, { councilId: org.leeds, movedOn: '2025-06-01' })).previousCouncilId, null);
    const moved = await areas.recordMove(child, { councilId: org.bristol, movedOn: '2026-05-01', reason: 'family moved' });
    assert.equal(moved.previousCouncilId, org.leeds);
    const rows = await database.db.selectFrom('area_history').select(['council_id', 'from_date', 'to_date', 'reason']).where('child_id', '=', child).orderBy('from_date').execute();
    assert.deepEqual(rows, [
      { council_id: org.leeds, from_date: '2025-06-01', to_date: '2026-05-01', reason: null },
      { council_id: org.bristol, from_date: '2026-05-01', to_date: null, reason: 'family moved' },
    ]);
  });

  test('a move dated before the current area began is refused and changes nothing', async () => {
    const child = await aChild();
    await areas.recordMove(child, { councilId: org.leeds, movedOn: '2026-03-01' });
    await rejectsNaming(areas.recordMove(child, { councilId: org.bristol, movedOn: '2026-02-28' }), ['movedOn']);
    await rejectsNaming(areas.recordMove(child, { councilId: org.leeds, movedOn: '2026-04-01' }), ['councilId']);
    await rejectsNaming(areas.recordMove(child, { councilId: org.leedsSchool, movedOn: '2026-04-01' }), ['councilId']);
    const rows = await database.db.selectFrom('area_history').select(['council_id', 'to_date']).where('child_id', '=', child).execute();
    assert.deepEqual(rows, [{ council_id: org.leeds, to_date: null }]);
  });

  test('two moves recorded at the same moment leave exactly one current area', async () => {
    const child = await aChild();
    await areas.recordMove(child, { councilId: org.leeds, movedOn: '2026-01-01' });
    const third = await insertOrganisation(database.db, { code: 'MAN', kind: 'council', name: 'Manchester City Council' });
    const results = await Promise.allSettled([
      areas.recordMove(child, { councilId: org.bristol, movedOn: '2026-06-01' }),
      areas.recordMove(child, { councilId: third, movedOn: '2026-06-02' }),
    ]);
    // The row lock serialises them: either both apply in turn, or the loser is told to refresh.
    assert.ok(results.some((r) => r.status === 'fulfilled'));
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ConflictError, String(r.reason));
    const rows = await database.db.selectFrom('area_history').select(['from_date', 'to_date']).where('child_id', '=', child).orderBy('from_date').execute();
    assert.equal(rows.filter((r) => r.to_date === null).length, 1);
    assert.equal(rows.at(-1)!.to_date, null);
    // Each area ends the day the next begins: no gaps, no overlaps.
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i - 1]!.to_date, rows[i]!.from_date);
  });
});

describe('the signpost view', () => {
  test('current involvements come first with the lead professional at the top; flags active first; past ones with DfE reasons', async () => {
    const child = await aChild();
    const dsl = await involvements.add({ childId: child, organisationId: org.leedsSchool, practitionerId: staff.dsl, service: 'School safeguarding', role: 'designated_safeguarding_lead', startedOn: '2026-02-01' });
    const earlier = await involvements.add(socialWork(child, { startedOn: '2025-09-01' }));
    await involvements.end(earlier.id, { endedOn: '2026-01-10', endReason: 'LEFTRL' });
    const lead = await involvements.add(socialWork(child, { practitionerId: staff.leedsSw2, startedOn: '2026-01-10', contactRoute: 'Child protection duty line 0113 496 0222' }));
    const planned = await involvements.add({ childId: child, organisationId: org.leeds, service: 'Independent reviewing service', role: 'independent_reviewing_officer', startedOn: '2026-12-01' });
    const cin = await flags.set({ childId: child, kind: 'child_in_need', responsibleCouncilId: org.leeds, startedOn: '2025-09-01' });
    await flags.end(cin.id, '2026-01-10');
    const cp = await flags.set({ childId: child, kind: 'child_protection_plan', responsibleCouncilId: org.leeds, startedOn: '2026-01-10' });

    const view = await signposts.signpostFor(child, '2026-06-01');
    assert.ok(view);
    assert.deepEqual(view.current.map((i) => i.id), [lead.id, dsl.id]);
    assert.deepEqual(view.current.map((i) => i.practitionerName), ['Tom Briggs', 'Ruth Adeyemi']);
    assert.equal(view.current[0]!.contactRoute, 'Child protection duty line 0113 496 0222');
    assert.equal(view.current[0]!.roleLabel, 'Allocated social worker');
    // No route recorded: the practitioner's own email is the way to reach them.
    assert.equal(view.current[1]!.contactRoute, 'dsl@school1.lee.sch.test');
    assert.equal(view.current[1]!.agency.name, 'Hyde Park Primary School');
    assert.deepEqual(view.upcoming.map((i) => i.id), [planned.id]);
    assert.deepEqual(view.past.map((i) => [i.id, i.endReason, i.endReasonLabel]), [[earlier.id, 'LEFTRL', 'Worker left the role']]);
    assert.deepEqual(view.flags.map((f) => [f.id, f.active]), [[cp.id, true], [cin.id, false]]);
    assert.equal(view.flags[0]!.council.emergencyDutyPhone, '0113 496 0199');
    assert.equal(view.flags[0]!.sharedWithUnscheduledCare, true);
    // No area history yet: the record's responsible council is the current area.
    assert.equal(view.area.current.name, 'Leeds City Council');
    assert.deepEqual(view.area.openInAnotherArea, []);

    // On the handover day the new worker is current and the old one is past, never both.
    const handover = await signposts.signpostFor(child, '2026-01-10');
    assert.deepEqual(handover!.current.map((i) => i.id), [lead.id]);
    assert.deepEqual(handover!.past.map((i) => i.id), [earlier.id]);
    assert.equal(await signposts.signpostFor(randomUUID(), '2026-06-01'), null);
  });

  test('open work held by a council other than the current area is signalled, with how to reach it', async () => {
    const child = await aChild(org.bristol);
    await areas.recordMove(child, { councilId: org.leeds, movedOn: '2025-01-01' });
    const cp = await flags.set({ childId: child, kind: 'child_protection_plan', responsibleCouncilId: org.leeds, startedOn: '2025-06-01' });
    const school = await involvements.add({ childId: child, organisationId: org.leedsSchool, practitionerId: staff.dsl, service: 'School safeguarding', role: 'designated_safeguarding_lead', startedOn: '2025-01-10' });
    await areas.recordMove(child, { councilId: org.bristol, movedOn: '2026-03-01', reason: 'family moved' });
    await involvements.add({ childId: child, organisationId: org.bristolSchool, service: 'School safeguarding', role: 'designated_safeguarding_lead', startedOn: '2026-03-05' });

    const view = await signposts.signpostFor(child, '2026-04-01');
    assert.ok(view);
    assert.equal(view.area.current.name, 'Bristol City Council');
    assert.deepEqual(view.area.history.map((a) => [a.council.name, a.from, a.to, a.current]), [
      ['Bristol City Council', '2026-03-01', null, true],
      ['Leeds City Council', '2025-01-01', '2026-03-01', false],
    ]);
    assert.deepEqual(view.area.openInAnotherArea.map((o) => ({ name: o.council.name, phone: o.council.emergencyDutyPhone, flags: o.flags, involvements: o.involvements })), [
      { name: 'Leeds City Council', phone: '0113 496 0199', flags: ['child_protection_plan'], involvements: 1 },
    ]);

    // Leeds closes its plan and the school place ends: nothing is left open elsewhere.
    await flags.end(cp.id, '2026-04-15');
    await involvements.end(school.id, { endedOn: '2026-03-01', endReason: 'TSPROC' });
    assert.deepEqual((await signposts.signpostFor(child, '2026-05-01'))!.area.openInAnotherArea, []);
    // Looking back to before the move, Leeds was the current area and nothing was "elsewhere".
    const before = await signposts.signpostFor(child, '2026-01-01');
    assert.equal(before!.area.current.name, 'Leeds City Council');
    assert.deepEqual(before!.area.openInAnotherArea, []);
  });

  test('a sensitive-service involvement is hidden until a basis is recorded, in lists and per record', async () => {
    const child = await aChild();
    const hidden = await involvements.add({ childId: child, organisationId: org.trust, practitionerId: staff.camhs, service: 'CAMHS', role: 'camhs_practitioner', startedOn: '2026-02-01', sensitiveService: 'mental_health' });
    const shown = await involvements.add({ childId: child, organisationId: org.trust, service: 'Young people\'s sexual health clinic', role: 'other', startedOn: '2026-02-01', sensitiveService: 'sexual_health', sensitiveBasis: 'consent' });
    const view = await signposts.signpostFor(child, '2026-06-01');
    assert.deepEqual(view!.current.map((i) => i.id), [shown.id]);
    // The per-record path applies the same rule: a hidden involvement cannot be found to end it.
    await assert.rejects(involvements.end(hidden.id, { endedOn: '2026-03-01', endReason: 'OTHERS' }), NotFoundError);
  });
});
