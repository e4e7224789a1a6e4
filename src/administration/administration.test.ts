import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { HttpSession, signInAs } from '../../test/http-session.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let councilA: string;
let schoolA: string;
let councilB: string;
let admin: { id: string; email: string };
let workerA: { id: string; email: string };
let teacherA: { id: string; email: string };
let workerB: { id: string; email: string };
let adminSession: HttpSession;
let workerSession: HttpSession;

const auditCount = async () => Number((await t.database.db.selectFrom('audit_entries')
  .select((eb) => eb.fn.countAll<string>().as('n')).where('basis', '=', 'council administrator').executeTakeFirstOrThrow()).n);
const lastAudit = () => t.database.db.selectFrom('audit_entries').select(['action', 'reason', 'actor_user_id', 'outcome'])
  .where('basis', '=', 'council administrator').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
const userRow = (id: string) => t.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const today = { day: '20', month: '11', year: '2026' };
const dateFields = (field: string, d: { day: string; month: string; year: string }) => ({ [`${field}-day`]: d.day, [`${field}-month`]: d.month, [`${field}-year`]: d.year });

before(async () => {
  t = await buildTestApp();
  councilA = await anOrganisation(t, 'council');
  schoolA = await anOrganisation(t, 'school');
  councilB = await anOrganisation(t, 'council');
  await t.database.db.updateTable('organisations').set({ council_id: councilA }).where('id', '=', schoolA).execute();
  admin = await anAccount(t, 'vetted', { organisationId: councilA });
  await t.database.db.updateTable('users').set({ role: 'council_administrator' }).where('id', '=', admin.id).execute();
  workerA = await anAccount(t, 'vetted', { organisationId: councilA });
  teacherA = await anAccount(t, 'vetted', { organisationId: schoolA });
  workerB = await anAccount(t, 'vetted', { organisationId: councilB });
  adminSession = await signInAs(t.app, t.clock, admin.email, TEST_PASSWORD, TEST_TOTP_SECRET);
  // Each TOTP code works once: the next sign-in is a minute later.
  t.clock.advanceMinutes(1);
  workerSession = await signInAs(t.app, t.clock, workerA.email, TEST_PASSWORD, TEST_TOTP_SECRET);
});

after(() => t.close());

describe('council administrators manage their council\'s accounts', () => {
  test('the list shows the accounts of the council and of a school in its area, never another council\'s', async () => {
    const page = await adminSession.get('/admin/users');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<caption class="govuk-table__caption[^"]*">\d+ accounts<\/caption>/);
    assert.ok(page.body.includes(workerA.email));
    assert.ok(page.body.includes(teacherA.email));
    assert.ok(!page.body.includes(workerB.email));
    assert.match(page.body, /Social worker/);
  });

  test('the home page links to the pages for administrators only', async () => {
    assert.match((await adminSession.get('/')).body, /href="\/admin\/users">Manage accounts/);
    assert.doesNotMatch((await workerSession.get('/')).body, /Manage accounts/);
  });

  test('someone who is not an administrator gets "Page not found" for every page', async () => {
    const worker = workerSession;
    for (const url of ['/admin/users', '/admin/users/new', `/admin/users/${teacherA.id}`, '/admin/access-review']) {
      assert.equal((await worker.get(url)).statusCode, 404, url);
    }
    await worker.get('/');
    const before = await auditCount();
    assert.equal((await worker.post(`/admin/users/${teacherA.id}`, { action: 'disable' })).statusCode, 404);
    assert.equal((await worker.post(`/admin/access-review/${teacherA.id}`, { outcome: 'remove' })).statusCode, 404);
    assert.equal((await userRow(teacherA.id)).disabled_at, null);
    assert.equal(await auditCount(), before);
  });

  test('an account in another council is "Page not found", and cannot be changed', async () => {
    assert.equal((await adminSession.get(`/admin/users/${workerB.id}`)).statusCode, 404);
    await adminSession.get('/admin/users');
    const before = await auditCount();
    for (const form of [{ action: 'disable' } as Record<string, string>, { action: 'role', role: 'council_administrator' }, { action: 'reset-mfa' }]) {
      assert.equal((await adminSession.post(`/admin/users/${workerB.id}`, form)).statusCode, 404);
    }
    assert.equal((await adminSession.post(`/admin/access-review/${workerB.id}`, { outcome: 'remove' })).statusCode, 404);
    const row = await userRow(workerB.id);
    assert.equal(row.disabled_at, null);
    assert.equal(row.role, 'social_worker');
    assert.notEqual(row.totp_enrolled_at, null);
    assert.equal(await auditCount(), before);
  });

  test('adds an account in a school of the council; the person signs in with the temporary password and sets up MFA', async () => {
    const form = await adminSession.get('/admin/users/new');
    assert.equal(form.statusCode, 200);
    assert.ok(form.body.includes(`value="${schoolA}"`));
    assert.ok(!form.body.includes(`value="${councilB}"`));
    assert.match(form.body, /Information governance officer/);
    const before = await auditCount();
    const added = await adminSession.post('/admin/users/new', {
      organisation: schoolA, role: 'practitioner', name: 'Nadia Okafor', email: 'nadia.okafor@school.test',
      ...dateFields('dbs', today), ...dateFields('training', today), ...dateFields('agreement', today),
    });
    assert.equal(added.statusCode, 200);
    assert.equal(added.headers['cache-control'], 'no-store');
    const password = /data-testid="temporary-password">([^<]+)</.exec(added.body)?.[1];
    assert.ok(password && password.length >= 12);
    const row = await t.database.db.selectFrom('users').selectAll().where('email', '=', 'nadia.okafor@school.test').executeTakeFirstOrThrow();
    assert.equal(row.organisation_id, schoolA);
    assert.equal(row.role, 'practitioner');
    assert.equal(row.dbs_checked_on, '2026-11-20');
    assert.equal(row.totp_enrolled_at, null);
    assert.ok(!row.password_hash.includes(password));
    assert.equal(await auditCount(), before + 1);
    const entry = await lastAudit();
    assert.deepEqual(entry, { action: 'create', reason: 'account added with role practitioner', actor_user_id: admin.id, outcome: 'allowed' });

    const person = new HttpSession(t.app);
    await person.get('/sign-in');
    const signIn = await person.post('/sign-in', { email: 'nadia.okafor@school.test', password });
    assert.equal(signIn.headers.location, '/sign-in/mfa/setup');
  });

  test('bad input shows each field\'s error and writes nothing', async () => {
    await adminSession.get('/admin/users/new');
    const before = await auditCount();
    const page = await adminSession.post('/admin/users/new', {
      organisation: councilB, role: 'emperor', name: ' ', email: 'not-an-email',
      ...dateFields('dbs', { day: '1', month: '1', year: '2027' }), ...dateFields('training', { day: '31', month: '2', year: '2026' }),
    });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /There is a problem/);
    for (const message of [
      'Choose the person&#39;s organisation', 'Choose the person&#39;s role', 'Enter the person&#39;s name', 'Enter an email address like name@council.gov.uk',
      'The date of the enhanced DBS check must be today or in the past', 'Date the training was completed must be a real date', 'Enter the date the user agreement was signed',
    ]) assert.ok(page.body.includes(message), message);
    assert.match(page.body, /href="#dbs-day"/);
    assert.equal(await auditCount(), before);
    assert.equal(await t.database.db.selectFrom('users').select('id').where('email', '=', 'not-an-email').executeTakeFirst(), undefined);

    const duplicate = await adminSession.post('/admin/users/new', {
      organisation: councilA, role: 'practitioner', name: 'Someone', email: workerA.email,
      ...dateFields('dbs', today), ...dateFields('training', today), ...dateFields('agreement', today),
    });
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.body, /There is already an account with this email address/);
    assert.equal(await auditCount(), before);
  });

  for (const [where, target] of [['the council', () => workerA], ['a school in its area', () => teacherA]] as const) {
    test(`changes the role of, renews, resets, disables and reinstates an account in ${where}, one audit entry each`, async () => {
      const { id, email } = target();
      const change = async (form: Record<string, string>, reason: string) => {
        await adminSession.get(`/admin/users/${id}`);
        const before = await auditCount();
        const response = await adminSession.post(`/admin/users/${id}`, form);
        assert.equal(response.statusCode, 303, reason);
        assert.equal(response.headers.location, `/admin/users/${id}?done=${form['action']}`);
        assert.equal(await auditCount(), before + 1, reason);
        assert.deepEqual(await lastAudit(), { action: 'update', reason, actor_user_id: admin.id, outcome: 'allowed' });
      };
      assert.match((await adminSession.get(`/admin/users/${id}`)).body, new RegExp(email.replace('.', '\\.')));

      await change({ action: 'role', role: 'mash_officer' }, 'role changed to MASH officer');
      assert.equal((await userRow(id)).role, 'mash_officer');
      assert.match((await adminSession.get(`/admin/users/${id}?done=role`)).body, /Role changed\./);

      await change({ action: 'vetting', ...dateFields('dbs', today), ...dateFields('agreement', today) }, 'vetting renewed: DBS check, user agreement');
      const renewed = await userRow(id);
      assert.equal(renewed.dbs_checked_on, '2026-11-20');
      assert.equal(renewed.agreement_signed_on, '2026-11-20');

      await change({ action: 'reset-mfa' }, 'MFA reset');
      assert.equal((await userRow(id)).totp_enrolled_at, null);

      await change({ action: 'disable' }, 'account disabled');
      assert.notEqual((await userRow(id)).disabled_at, null);
      assert.match((await adminSession.get(`/admin/users/${id}`)).body, /Disabled/);

      await change({ action: 'reinstate' }, 'account reinstated');
      assert.equal((await userRow(id)).disabled_at, null);
    });
  }

  test('an administrator cannot disable, re-role or review their own account', async () => {
    await adminSession.get(`/admin/users/${admin.id}`);
    const before = await auditCount();
    const disable = await adminSession.post(`/admin/users/${admin.id}`, { action: 'disable' });
    assert.equal(disable.statusCode, 400);
    assert.match(disable.body, /Ask another administrator/);
    assert.equal((await adminSession.post(`/admin/users/${admin.id}`, { action: 'role', role: 'practitioner' })).statusCode, 400);
    assert.equal((await adminSession.post(`/admin/access-review/${admin.id}`, { outcome: 'keep' })).statusCode, 400);
    const row = await userRow(admin.id);
    assert.equal(row.disabled_at, null);
    assert.equal(row.role, 'council_administrator');
    assert.equal(await auditCount(), before);
  });

  test('a bad change shows the error and writes nothing', async () => {
    await adminSession.get(`/admin/users/${workerA.id}`);
    const before = await auditCount();
    const original = await userRow(workerA.id);
    const badRole = await adminSession.post(`/admin/users/${workerA.id}`, { action: 'role', role: 'emperor' });
    assert.equal(badRole.statusCode, 400);
    assert.match(badRole.body, /Choose a role/);
    const badDate = await adminSession.post(`/admin/users/${workerA.id}`, { action: 'vetting', ...dateFields('dbs', { day: '40', month: '1', year: '2026' }) });
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /must be a real date/);
    const future = await adminSession.post(`/admin/users/${workerA.id}`, { action: 'vetting', ...dateFields('training', { day: '1', month: '12', year: '2026' }) });
    assert.equal(future.statusCode, 400);
    assert.match(future.body, /cannot be in the future/);
    const nothing = await adminSession.post(`/admin/users/${workerA.id}`, { action: 'vetting' });
    assert.equal(nothing.statusCode, 400);
    const after = await userRow(workerA.id);
    assert.equal(after.role, original.role);
    assert.equal(after.dbs_checked_on, original.dbs_checked_on);
    assert.equal(after.training_completed_on, original.training_completed_on);
    assert.equal(await auditCount(), before);
  });
});

describe('the periodic access review', () => {
  let practitionerUser: { id: string; email: string };
  let childId: string;

  before(async () => {
    const practitioner = await t.database.db.insertInto('practitioners')
      .values({ organisation_id: councilA, name: 'Priya Review', role: 'social_worker', team: null, phone: null, email: null })
      .returning('id').executeTakeFirstOrThrow();
    practitionerUser = await anAccount(t, 'vetted', { organisationId: councilA });
    await t.database.db.updateTable('users').set({ practitioner_id: practitioner.id }).where('id', '=', practitionerUser.id).execute();
    const viewer: Viewer = { kind: 'user', userId: practitionerUser.id, organisationId: councilA, role: 'social_worker' };
    childId = await aChild(t, viewer, aChildRecordInput(await councilCodeOf(t, councilA), { familyName: 'Reviewson', givenNames: 'Ada', sex: 'female' }));
    await t.services.involvements.add({ childId, organisationId: councilA, practitionerId: practitioner.id, service: 'Children\'s social care', role: 'allocated_social_worker', isLeadProfessional: true, startedOn: '2026-10-01' });
  });

  const card = (html: string, userId: string) => {
    const start = html.indexOf(`id="account-${userId}"`);
    assert.ok(start >= 0, 'account is on the page');
    const end = html.indexOf('id="account-', start + 10);
    return html.slice(start, end < 0 ? undefined : end);
  };

  test('lists each account\'s open relationships and flags accounts never reviewed', async () => {
    const page = await adminSession.get('/admin/access-review');
    assert.equal(page.statusCode, 200);
    const mine = card(page.body, practitionerUser.id);
    assert.ok(mine.includes(`Child ${childId}: allocated social worker, since 1 October 2026`));
    assert.match(mine, /Review due/);
    assert.match(mine, /Never/);
    assert.ok(!page.body.includes(workerB.email));
  });

  test('a confirmation is recorded with who and when, audited, and clears the flag', async () => {
    await adminSession.get('/admin/access-review');
    const before = await auditCount();
    const response = await adminSession.post(`/admin/access-review/${practitionerUser.id}`, { outcome: 'keep' });
    assert.equal(response.statusCode, 303);
    const reviews = await t.database.db.selectFrom('access_reviews').selectAll().where('user_id', '=', practitionerUser.id).execute();
    assert.equal(reviews.length, 1);
    assert.equal(reviews[0]!.reviewed_by, admin.id);
    assert.equal(reviews[0]!.outcome, 'access_still_needed');
    assert.equal(reviews[0]!.reviewed_at.toISOString(), t.clock.now().toISOString());
    assert.equal(await auditCount(), before + 1);
    assert.equal((await lastAudit()).reason, 'access review: access still needed');
    assert.equal((await userRow(practitionerUser.id)).disabled_at, null);
    const mine = card((await adminSession.get('/admin/access-review?reviewed=1')).body, practitionerUser.id);
    assert.match(mine, /access still needed/);
    assert.doesNotMatch(mine, /Review due/);
  });

  test('"Remove access" disables the account in the same change', async () => {
    const leaver = await anAccount(t, 'vetted', { organisationId: schoolA });
    await adminSession.get('/admin/access-review');
    const before = await auditCount();
    assert.equal((await adminSession.post(`/admin/access-review/${leaver.id}`, { outcome: 'remove' })).statusCode, 303);
    assert.notEqual((await userRow(leaver.id)).disabled_at, null);
    assert.equal(await auditCount(), before + 1);
    assert.equal((await lastAudit()).reason, 'access review: access removed');
  });

  test('no decision is a field error and writes nothing', async () => {
    await adminSession.get('/admin/access-review');
    const before = await auditCount();
    const page = await adminSession.post(`/admin/access-review/${workerA.id}`, { outcome: 'maybe' });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /Choose whether the person still needs access/);
    assert.equal(await auditCount(), before);
    assert.equal((await t.database.db.selectFrom('access_reviews').select('id').where('user_id', '=', workerA.id).execute()).length, 0);
  });
});
