import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, TEST_NOW, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { HttpSession, signInAs } from '../../test/http-session.js';
import { totpCode } from '../accounts/totp.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import { ValidationError } from '../platform/http/errors.js';
import type { Viewer } from '../access/viewer.js';
import { NO_TOTP } from './break-glass.service.js';
import { optionsIn, SoftAuthenticator } from '../../test/webauthn/soft-authenticator.js';

let t: TestApp;
let council: string;
let childId: string;
let police: { id: string; email: string };
let policeOrg: string;
let ig: { id: string; email: string };
let leadUserId: string;

async function aUser(organisationId: string, role: string, practitionerId: string | null, email: string): Promise<{ id: string; email: string }> {
  const today = ukDate(t.clock.now());
  const id = await t.services.users.add({
    organisationId, practitionerId, email, displayName: email.split('@')[0]!, role, password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
  });
  return { id, email };
}

before(async () => {
  t = await buildTestApp();
  council = await anOrganisation(t, 'council');
  policeOrg = await anOrganisation(t, 'police');
  const admin = await aUser(council, 'council_administrator', null, 'admin@bg-council.test');
  const adminViewer: Viewer = { kind: 'user', userId: admin.id, organisationId: council, role: 'council_administrator' };
  childId = await aChild(t, adminViewer, aChildRecordInput(await councilCodeOf(t, council), { familyName: 'Penhaligon', givenNames: 'Rosa', sex: 'female' }));
  const practitioner = await t.database.db.insertInto('practitioners').values({ organisation_id: council, name: 'Lee Lead', role: 'social_worker', team: 'Assessment', phone: null, email: null })
    .returning('id').executeTakeFirstOrThrow();
  leadUserId = (await aUser(council, 'social_worker', practitioner.id, 'lead@bg-council.test')).id;
  await t.services.involvements.add({ childId, organisationId: council, practitionerId: practitioner.id, service: 'Children\'s social care', role: 'allocated_social_worker', isLeadProfessional: true, startedOn: '2026-10-01' });
  police = await aUser(policeOrg, 'practitioner', null, 'officer@bg-police.test');
  ig = await aUser(council, 'information_governance_officer', null, 'ig@bg-council.test');
});

after(() => t.close());

describe('break-glass', () => {
  let session: HttpSession;
  const url = () => `/children/${childId}/break-glass`;

  test('without a grant the police officer cannot open the case view', async () => {
    session = await signInAs(t.app, t.clock, police.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    assert.equal((await session.get(`/children/${childId}/case`)).statusCode, 404);
    const form = await session.get(url());
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Immediate risk of significant harm/);
    assert.match(form.body, /Missing child/);
  });

  test('a reason and a description are required', async () => {
    await session.get(url());
    const response = await session.post(url(), { reasonCode: 'police_emergency', reasonText: '  ', code: '123456' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Describe the emergency/);
    const noCode = await session.post(url(), { reasonText: 'Child missing from home overnight', code: '123456' });
    assert.equal(noCode.statusCode, 400);
    assert.match(noCode.body, /Select why you need emergency access/);
  });

  test('a wrong code and the code already used to sign in are refused, and recorded', async () => {
    const current = totpCode(TEST_TOTP_SECRET, t.clock.now());
    const wrong = current === '000000' ? '111111' : '000000';
    const wrongResponse = await session.post(url(), { reasonCode: 'missing_child', reasonText: 'Child missing from home overnight', code: wrong });
    assert.equal(wrongResponse.statusCode, 400);
    assert.match(wrongResponse.body, /wrong or has already been used/);
    // Sign-in used this time step: the same code again is a replay.
    const replay = await session.post(url(), { reasonCode: 'missing_child', reasonText: 'Child missing from home overnight', code: current });
    assert.equal(replay.statusCode, 400);
    const refused = await t.database.db.selectFrom('audit_entries').select('outcome').where('action', '=', 'break_glass').where('child_id', '=', childId).execute();
    assert.deepEqual(refused.map((r) => r.outcome), ['refused', 'refused']);
    assert.equal((await t.database.db.selectFrom('break_glass_grants').select('id').where('child_id', '=', childId).execute()).length, 0);
    assert.equal((await session.get(`/children/${childId}/case`)).statusCode, 404);
  });

  test('a fresh code grants the case view, with audit, alert and notices in the same transaction', async () => {
    t.clock.set(new Date(new Date(TEST_NOW).getTime() + 31_000));
    const response = await session.post(url(), { reasonCode: 'missing_child', reasonText: 'Child missing from home overnight', code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `/children/${childId}/case`);
    const caseView = await session.get(`/children/${childId}/case`);
    assert.equal(caseView.statusCode, 200);
    assert.match(caseView.body, /Chronology/);
    assert.match(caseView.body, /break-glass/);
    assert.match(caseView.body, /Lee Lead/);

    const grant = await t.database.db.selectFrom('break_glass_grants').selectAll().where('child_id', '=', childId).executeTakeFirstOrThrow();
    assert.equal(grant.user_id, police.id);
    assert.equal(grant.reason_code, 'missing_child');
    assert.equal(grant.expires_at.getTime() - grant.granted_at.getTime(), 24 * 3_600_000);
    assert.equal(grant.review_status, 'open');
    const entries = await t.database.db.selectFrom('audit_entries').select(['action', 'outcome', 'basis', 'reason']).where('child_id', '=', childId).where('actor_user_id', '=', police.id).orderBy('id').execute();
    assert.ok(entries.some((e) => e.action === 'break_glass' && e.outcome === 'allowed' && (e.reason ?? '').startsWith('Missing child: ')));
    assert.ok(entries.some((e) => e.action === 'view' && e.outcome === 'allowed' && e.basis === 'break-glass'));
    const alert = await t.database.db.selectFrom('access_alerts').selectAll().where('id', '=', grant.alert_id!).executeTakeFirstOrThrow();
    assert.equal(alert.rule, 'break_glass_used');
    assert.equal(alert.council_id, council);
    assert.equal(alert.subject_user_id, police.id);
    const notices = await t.database.db.selectFrom('notifications').select(['recipient_user_id', 'recipient_council_id', 'kind']).where('child_id', '=', childId).where('kind', '=', 'break_glass_used').execute();
    assert.deepEqual(new Set(notices.map((n) => n.recipient_user_id ?? `council:${n.recipient_council_id}`)), new Set([leadUserId, `council:${council}`]));
  });

  test('the grant expires after 24 hours', async () => {
    t.clock.set(new Date(new Date(TEST_NOW).getTime() + 24 * 3_600_000 + 60_000));
    const again = await signInAs(t.app, t.clock, police.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    assert.equal((await again.get(`/children/${childId}/case`)).statusCode, 404);
  });

  test('the information-governance officer reviews it in the oversight alert queue, and the grant records the review', async () => {
    const officer = await signInAs(t.app, t.clock, ig.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const queue = await officer.get('/oversight/alerts');
    assert.equal(queue.statusCode, 200);
    assert.match(queue.body, /Emergency access \(break-glass\) used/);
    const grant = await t.database.db.selectFrom('break_glass_grants').select(['id', 'alert_id']).where('child_id', '=', childId).executeTakeFirstOrThrow();
    await officer.get(`/oversight/alerts/${grant.alert_id}`);
    const review = await officer.post(`/oversight/alerts/${grant.alert_id}`, { outcome: 'appropriate', note: 'Police confirmed the missing-person report' });
    assert.equal(review.statusCode, 303);
    const reviewed = await t.database.db.selectFrom('break_glass_grants').selectAll().where('id', '=', grant.id).executeTakeFirstOrThrow();
    assert.equal(reviewed.review_status, 'appropriate');
    assert.equal(reviewed.reviewed_by, ig.id);
    assert.ok(reviewed.reviewed_at);
    assert.equal(reviewed.review_note, 'Police confirmed the missing-person report');
  });

  test('someone without an authenticator gets a clear refusal, and no grant', async () => {
    const account = await anAccount(t, 'not-enrolled', { organisationId: policeOrg });
    const viewer: Viewer = { kind: 'user', userId: account.id, organisationId: policeOrg, role: 'social_worker' };
    await assert.rejects(
      t.services.breakGlass.grant(viewer, childId, { reasonCode: 'police_emergency', reasonText: 'Urgent', code: '123456' }, null),
      (error: unknown) => error instanceof ValidationError && error.fields['code'] === NO_TOTP,
    );
    assert.equal((await t.database.db.selectFrom('break_glass_grants').select('id').where('user_id', '=', account.id).execute()).length, 0);
  });

  test('a child that does not exist is the standard 404', async () => {
    t.clock.set(new Date(t.clock.now().getTime() + 120_000));
    const viewer: Viewer = { kind: 'user', userId: police.id, organisationId: policeOrg, role: 'practitioner' };
    await assert.rejects(
      t.services.breakGlass.grant(viewer, '00000000-0000-4000-8000-0000000000aa', { reasonCode: 'police_emergency', reasonText: 'Urgent', code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }, null),
      (error: unknown) => error instanceof Error && (error as { status?: number }).status === 404,
    );
  });

  test('wrong codes here count toward the account lockout, as at sign-in: once locked, even the right code is refused', async () => {
    const officer = await aUser(policeOrg, 'practitioner', null, 'lockout@bg-police.test');
    const viewer: Viewer = { kind: 'user', userId: officer.id, organisationId: policeOrg, role: 'practitioner' };
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    const wrong = totpCode(TEST_TOTP_SECRET, t.clock.now()) === '000000' ? '111111' : '000000';
    const attempt = (code: string) => t.services.breakGlass.grant(viewer, childId, { reasonCode: 'police_emergency', reasonText: 'Urgent', code }, null);
    const refusedWith = (message: RegExp) => (error: unknown) => error instanceof ValidationError && message.test(error.fields['code'] ?? '');
    const { maxFailures } = t.config.signIn;
    for (let n = 1; n <= maxFailures; n++) {
      await assert.rejects(attempt(wrong), refusedWith(/wrong or has already been used/));
      const row = await t.database.db.selectFrom('users').select(['failed_signins', 'locked_until']).where('id', '=', officer.id).executeTakeFirstOrThrow();
      assert.equal(row.failed_signins, n);
      assert.equal(row.locked_until !== null, n === maxFailures, `locked after ${String(n)} wrong codes?`);
    }
    t.clock.set(new Date(t.clock.now().getTime() + 31_000));
    await assert.rejects(attempt(totpCode(TEST_TOTP_SECRET, t.clock.now())), refusedWith(/locked after too many failed attempts/));
    const browser = new HttpSession(t.app);
    await browser.get('/sign-in');
    const passwordStep = await browser.post('/sign-in', { email: officer.email, password: TEST_PASSWORD });
    assert.match(passwordStep.body, /locked after too many failed attempts/);
    const refusals = await t.database.db.selectFrom('audit_entries').select('basis').where('action', '=', 'break_glass').where('actor_user_id', '=', officer.id).execute();
    assert.equal(refusals.length, maxFailures + 1);
    assert.equal(refusals.at(-1)!.basis, 'account locked');
    assert.equal((await t.database.db.selectFrom('break_glass_grants').select('id').where('user_id', '=', officer.id).execute()).length, 0);
  });

  test('a registered security key can stand in for the code; a refused key is recorded and counts toward the lockout', async () => {
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    const officer = await aUser(policeOrg, 'practitioner', null, 'keyholder@bg-police.test');
    const browser = await signInAs(t.app, t.clock, officer.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const noKeyYet = await browser.get(url());
    assert.doesNotMatch(noKeyYet.body, /data-options/, 'no key, no key option');
    const key = new SoftAuthenticator();
    const add = await browser.get('/account/security-keys/add');
    assert.equal((await browser.post('/account/security-keys/add', { nickname: 'Warrant card key', credential: JSON.stringify(key.register(optionsIn(add.body).challenge)) })).statusCode, 303);

    const form = await browser.get(url());
    assert.match(form.body, /Get emergency access with your security key/);
    const stranger = new SoftAuthenticator();
    const refused = await browser.post(url(), { reasonCode: 'missing_child', reasonText: 'Child missing overnight', credential: JSON.stringify(stranger.assert(optionsIn(form.body).challenge)) });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Your security key was not accepted/);
    assert.match(refused.body, /href="#security-key"/);
    const failed = await t.database.db.selectFrom('users').select('failed_signins').where('id', '=', officer.id).executeTakeFirstOrThrow();
    assert.equal(failed.failed_signins, 1);

    const granted = await browser.post(url(), { reasonCode: 'missing_child', reasonText: 'Child missing overnight', credential: JSON.stringify(key.assert(optionsIn(refused.body).challenge)) });
    assert.equal(granted.statusCode, 303, granted.body);
    assert.equal((await browser.get(`/children/${childId}/case`)).statusCode, 200);
    const entries = await t.database.db.selectFrom('audit_entries').select(['outcome', 'basis']).where('action', '=', 'break_glass').where('actor_user_id', '=', officer.id).orderBy('id').execute();
    assert.deepEqual(entries.map((e) => [e.outcome, e.basis]), [['refused', 'security key: unknown credential'], ['allowed', 'break-glass: fresh security key']]);
  });
});
