import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { anAgencySystem } from '../../test/factories/api-clients.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { signInAs } from '../../test/http-session.js';
import { allowWritesTo, refuseWritesTo } from '../../test/audit-refusal.js';
import type { Viewer } from '../access/viewer.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';

let t: TestApp;
let council: string;
let otherCouncil: string;
let school: string;
let schoolName: string;
let admin: Viewer;
let duty: { id: string; email: string };
let lead: { id: string; email: string };
let schoolUser: { id: string; email: string };
let otherSocialWorker: { id: string; email: string };
let flaggedChild: string;

async function aUser(organisationId: string, role: string, email: string, displayName: string, practitionerId: string | null = null): Promise<{ id: string; email: string }> {
  const today = ukDate(t.clock.now());
  const id = await t.services.users.add({
    organisationId, practitionerId, email, displayName, role, password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
  });
  return { id, email };
}

async function aFlaggedChild(familyName: string, flag: { kind: string; startedOn: string; ended?: string } | null): Promise<string> {
  const childId = await aChild(t, admin, aChildRecordInput(await councilCodeOf(t, council), { familyName, givenNames: 'Test', sex: 'female' }));
  if (flag) {
    const { id } = await t.services.flags.set({ childId, kind: flag.kind, responsibleCouncilId: council, startedOn: flag.startedOn });
    if (flag.ended) await t.services.flags.end(id, flag.ended);
  }
  return childId;
}

function noticesFor(childId: string) {
  return t.database.db.selectFrom('notifications').selectAll().where('child_id', '=', childId).where('kind', '=', 'flagged_child_viewed').execute();
}

const viewAs = (viewer: Viewer, childId: string, reason = 'Pupil disclosed a worry at school') => t.services.childRecords.lookAt(viewer, childId, reason, null);

before(async () => {
  t = await buildTestApp();
  council = await anOrganisation(t, 'council');
  otherCouncil = await anOrganisation(t, 'council');
  school = await anOrganisation(t, 'school');
  schoolName = (await t.database.db.selectFrom('organisations').select('name').where('id', '=', school).executeTakeFirstOrThrow()).name;
  const adminUser = await aUser(council, 'council_administrator', 'admin@nt-council.test', 'Ada Admin');
  admin = { kind: 'user', userId: adminUser.id, organisationId: council, role: 'council_administrator' };
  duty = await aUser(council, 'mash_officer', 'duty@nt-council.test', 'Dee Duty');
  const practitioner = await t.database.db.insertInto('practitioners')
    .values({ organisation_id: school, name: 'Lena Lead', role: 'family_support_worker', team: null, phone: null, email: null })
    .returning('id').executeTakeFirstOrThrow();
  lead = await aUser(school, 'practitioner', 'lead@nt-school.test', 'Lena Lead', practitioner.id);
  schoolUser = await aUser(school, 'practitioner', 'dsl@nt-school.test', 'Grace Whitfield');
  otherSocialWorker = await aUser(otherCouncil, 'social_worker', 'sw@nt-other.test', 'Omar Other');
  flaggedChild = await aFlaggedChild('Pemberton', { kind: 'child_protection_plan', startedOn: '2026-09-01' });
  await t.services.involvements.add({ childId: flaggedChild, organisationId: school, practitionerId: practitioner.id, service: 'Family support', role: 'family_support_worker', isLeadProfessional: true, startedOn: '2026-09-01' });
});

after(() => t.close());

describe('notify on access (CP-IS pattern)', () => {
  test('a school user looking at a child on another council\'s plan notifies the duty inbox and the lead professional once each, with the look\'s audit entry', async () => {
    const session = await signInAs(t.app, t.clock, schoolUser.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    await session.get(`/children/${flaggedChild}`);
    const response = await session
      .post(`/children/${flaggedChild}/view`, { reason: 'other', reasonDetail: 'Pupil disclosed a worry at school' });
    assert.equal(response.statusCode, 200);
    const notices = await noticesFor(flaggedChild);
    assert.equal(notices.length, 2);
    assert.deepEqual(notices.filter((n) => n.recipient_council_id === council).length, 1);
    assert.deepEqual(notices.filter((n) => n.recipient_user_id === lead.id).length, 1);
    for (const n of notices) {
      assert.equal(n.actor_user_id, schoolUser.id);
      assert.equal(n.actor_organisation_id, school);
      assert.equal(n.actor_role, 'practitioner');
      assert.equal(n.reason, 'other: Pupil disclosed a worry at school');
      assert.equal(n.created_at.getTime(), t.clock.now().getTime());
    }
    // Same transaction as the audit entry of the look.
    const { rows } = await sql<{ same: boolean }>`
      SELECT bool_and(n.xmin::text = (a.entry_xid::text::numeric % 4294967296)::text) AS same
      FROM notifications n, audit_entries a
      WHERE n.child_id = ${flaggedChild}::uuid AND a.child_id = ${flaggedChild}::uuid AND a.action = 'view' AND a.actor_user_id = ${schoolUser.id}::uuid`.execute(t.database.db);
    assert.equal(rows[0]?.same, true);
  });

  test('if the notices cannot be written, the look fails and neither they nor its audit entry remain; nor the notices if the entry cannot be', async () => {
    const viewer: Viewer = { kind: 'user', userId: schoolUser.id, organisationId: school, role: 'practitioner' };
    const auditEntries = async () => (await t.database.db.selectFrom('audit_entries').select('id').where('child_id', '=', flaggedChild).execute()).length;
    const previously = { notices: (await noticesFor(flaggedChild)).length, audit: await auditEntries() };
    for (const table of ['notifications', 'audit_entries'] as const) {
      await refuseWritesTo(t.database.db, table);
      try {
        await assert.rejects(viewAs(viewer, flaggedChild, 'checking'), /store unavailable/);
      } finally {
        await allowWritesTo(t.database.db, table);
      }
      assert.equal((await noticesFor(flaggedChild)).length, previously.notices);
      assert.equal(await auditEntries(), previously.audit);
    }
  });

  test('a look by the responsible council notifies nobody', async () => {
    const count = (await noticesFor(flaggedChild)).length;
    await viewAs({ kind: 'user', userId: duty.id, organisationId: council, role: 'mash_officer' }, flaggedChild);
    await viewAs(admin, flaggedChild);
    assert.equal((await noticesFor(flaggedChild)).length, count);
  });

  test('a child without an active qualifying flag notifies nobody', async () => {
    const schoolViewer: Viewer = { kind: 'user', userId: schoolUser.id, organisationId: school, role: 'practitioner' };
    for (const [name, flag] of [
      ['Noflag', null],
      ['Ended', { kind: 'child_protection_plan', startedOn: '2026-01-01', ended: '2026-11-01' }],
      ['Future', { kind: 'looked_after', startedOn: '2026-12-20' }],
      ['Needy', { kind: 'child_in_need', startedOn: '2026-01-01' }],
    ] as const) {
      const childId = await aFlaggedChild(name, flag);
      await viewAs(schoolViewer, childId);
      assert.equal((await noticesFor(childId)).length, 0, name);
    }
    const lookedAfter = await aFlaggedChild('Cared', { kind: 'looked_after', startedOn: '2026-01-01' });
    await viewAs(schoolViewer, lookedAfter);
    assert.equal((await noticesFor(lookedAfter)).length, 1, 'an active looked-after flag does notify (the council; no lead professional)');
  });

  test('an agency system\'s look through the API notifies too, naming the system', async () => {
    const police = await anAgencySystem(t, 'police', 'Niche RMS');
    const earlier = (await noticesFor(flaggedChild)).length;
    const response = await police.call('GET', `/api/v1/children/${flaggedChild}/signpost?reason=${encodeURIComponent('Domestic abuse incident overnight')}`);
    assert.equal(response.statusCode, 200);
    const notices = (await noticesFor(flaggedChild)).slice(earlier);
    assert.equal(notices.length, 2);
    for (const n of notices) {
      assert.equal(n.actor_api_client, police.clientId);
      assert.equal(n.actor_user_id, null);
      assert.equal(n.actor_organisation_id, police.organisationId);
      assert.equal(n.reason, 'Domestic abuse incident overnight');
    }
  });

  test('the lead professional sees the unread count and who looked, from where, when and why; "Mark all as read" clears the count', async () => {
    const session = await signInAs(t.app, t.clock, lead.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const home = await session.get('/');
    assert.match(home.body, /Notifications \(2\)/);
    const page = await session.get('/notifications');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Notifications \(2\)/);
    assert.match(page.body, new RegExp(`Grace Whitfield at ${schoolName} \\(role: practitioner\\) looked at the record of child reference ${flaggedChild} on 23 November 2026 at 10:00am\\. Reason given: Another reason: Pupil disclosed a worry at school`));
    assert.match(page.body, /The agency system &quot;Niche RMS&quot; at Test police \d+ looked at the record of child reference/);
    assert.match(page.body, new RegExp(`href="/children/${flaggedChild}"`));
    assert.equal((page.body.match(/>\s*Unread\s*</g) ?? []).length, 2);
    assert.doesNotMatch(page.body, /Pemberton/);
    const read = await session.post('/notifications/read', {});
    assert.equal(read.statusCode, 303);
    const afterwards = await session.get('/notifications');
    assert.match(afterwards.body, /Notifications \(0\)/);
    assert.doesNotMatch(afterwards.body, />\s*Unread\s*</);
  });

  test('the council\'s duty staff see the duty inbox; a social worker of another council does not', async () => {
    const dutySession = await signInAs(t.app, t.clock, duty.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const dutyPage = await dutySession.get('/notifications');
    assert.match(dutyPage.body, /Notifications \(3\)/); // school user, agency system, looked-after child
    assert.match(dutyPage.body, /Duty inbox/);
    const other = await signInAs(t.app, t.clock, otherSocialWorker.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const otherPage = await other.get('/notifications');
    assert.equal(otherPage.statusCode, 200);
    assert.match(otherPage.body, /Notifications \(0\)/);
    assert.match(otherPage.body, /You have no notifications/);
    assert.doesNotMatch(otherPage.body, new RegExp(flaggedChild));
  });

  test('the notifications page and "Mark all as read" need a signed-in user', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/notifications' });
    assert.notEqual(anonymous.statusCode, 200);
    assert.doesNotMatch(anonymous.body, /Notifications \(/);
    const post = await t.app.inject({ method: 'POST', url: '/notifications/read', payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.notEqual(post.statusCode, 303);
  });
});
