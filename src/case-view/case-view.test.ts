import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let childId: string;
let otherChildId: string;
let session: HttpSession;

before(async () => {
  t = await buildTestApp();
  const council = await anOrganisation(t, 'council');
  const nextCouncil = await anOrganisation(t, 'council');
  const today = ukDate(t.clock.now());
  const practitioner = await t.database.db.insertInto('practitioners').values({ organisation_id: council, name: 'Jo Caseworker', role: 'social_worker', team: 'Assessment', phone: null, email: null })
    .returning('id').executeTakeFirstOrThrow();
  const former = await t.database.db.insertInto('practitioners').values({ organisation_id: council, name: 'Ash Former', role: 'social_worker', team: 'Intake', phone: null, email: null })
    .returning('id').executeTakeFirstOrThrow();
  const userId = await t.services.users.add({
    organisationId: council, practitionerId: practitioner.id, email: 'jo@case-view.test', displayName: 'Jo Caseworker', role: 'social_worker', password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
  });
  const viewer: Viewer = { kind: 'user', userId, organisationId: council, role: 'social_worker' };
  const code = await councilCodeOf(t, council);
  childId = await aChild(t, viewer, aChildRecordInput(code, { familyName: 'Trevelyan', givenNames: 'Morwenna', sex: 'female', triggerDate: '2026-08-01' }));
  otherChildId = await aChild(t, viewer, aChildRecordInput(code, { familyName: 'Okonkwo', givenNames: 'Chidi', dateOfBirth: '2013-07-19' }));
  await t.services.involvements.add({ childId, organisationId: council, practitionerId: practitioner.id, service: 'Assessment team', role: 'allocated_social_worker', isLeadProfessional: true, startedOn: '2026-09-01' });
  const ended = await t.services.involvements.add({ childId, organisationId: council, practitionerId: former.id, service: 'Intake team', role: 'family_support_worker', startedOn: '2026-08-02' });
  await t.services.involvements.end(ended.id, { endedOn: '2026-08-30', endReason: 'MANAGE' });
  await t.services.involvements.add({ childId, organisationId: council, service: 'Hidden clinic', role: 'camhs_practitioner', startedOn: '2026-09-03', sensitiveService: 'mental_health' });
  await t.services.flags.set({ childId, kind: 'child_protection_plan', responsibleCouncilId: council, startedOn: '2026-10-05' });
  await t.services.areaHistory.recordMove(childId, { councilId: nextCouncil, movedOn: '2026-11-01', reason: 'family moved' });
  session = await signInAs(t.app, t.clock, 'jo@case-view.test', TEST_PASSWORD, TEST_TOTP_SECRET);
});

after(() => t.close());

describe('the case view', () => {
  test('shows the chronology newest first, every visible involvement, and a link back to the signpost view', async () => {
    const page = await session.get(`/children/${childId}/case`);
    assert.equal(page.statusCode, 200);
    const body = page.body;
    for (const text of ['Record created', 'Involvement started', 'Involvement ended', 'Flag set', 'family moved', 'Jo Caseworker', 'Ash Former', 'own involvement']) {
      assert.ok(body.includes(text), `missing ${text}`);
    }
    assert.ok(!body.includes('Hidden clinic'), 'a sensitive service without a basis stays hidden');
    // Newest first: the area move (1 Nov) before the flag (5 Oct) before the record's creation (1 Aug).
    assert.ok(body.indexOf('family moved') < body.indexOf('Flag set'));
    assert.ok(body.indexOf('Flag set') < body.indexOf('Involvement ended'));
    assert.ok(body.indexOf('Involvement ended') < body.indexOf('Record created'));
    assert.ok(body.includes(`href="/children/${childId}"`));
  });

  test('the signpost page links to the case view', async () => {
    await session.get(`/children/${childId}`);
    const page = await session.post(`/children/${childId}/view`, { reason: 'other', reasonDetail: 'case view link' });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(`href="/children/${childId}/case"`));
  });

  test('"Children you work with" lists the children the rule lets this user open, and no others', async () => {
    const page = await session.get('/children/mine');
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(`/children/${childId}/case`));
    assert.ok(page.body.includes('Morwenna Trevelyan'), 'the child is listed by name, opened');
    assert.ok(!page.body.includes(`/children/${otherChildId}/case`));
    assert.ok(!page.body.includes('Okonkwo'));
    assert.equal((await session.get(`/children/${otherChildId}/case`)).statusCode, 404);
  });

  test('a POST with a reason records it with the look', async () => {
    await session.get(`/children/${childId}/case`);
    const page = await session.post(`/children/${childId}/case`, { reason: 'Preparing for the core group' });
    assert.equal(page.statusCode, 200);
    const row = await t.database.db.selectFrom('audit_entries').select(['basis', 'reason']).where('child_id', '=', childId).where('reason', '=', 'case view: Preparing for the core group').executeTakeFirst();
    assert.equal(row?.basis, 'own involvement');
  });
});
