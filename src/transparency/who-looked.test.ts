import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { signInAs } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import type { Viewer } from '../access/viewer.js';
import { mayReadAccessLog } from '../access/child-access.js';

let t: TestApp;
let councilId: string;
let childId: string;
let councilEmail: string;
let schoolEmail: string;
let leadEmail: string;

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
  const worker = await anAccount(t, 'vetted', { organisationId: councilId });
  councilEmail = worker.email;
  const socialWorker: Viewer = { kind: 'user', userId: worker.id, organisationId: councilId, role: 'social_worker' };
  childId = await aChild(t, socialWorker, aChildRecordInput(await councilCodeOf(t, councilId), { familyName: 'Quarrington', givenNames: 'Eva', sex: 'female' }));

  const school = await anOrganisation(t, 'school');
  const schoolLead = await anAccount(t, 'vetted', { organisationId: school });
  schoolEmail = schoolLead.email;
  await t.services.childRecords.lookAt({ kind: 'user', userId: schoolLead.id, organisationId: school, role: 'practitioner' }, childId, 'Welfare concern raised by class teacher', null);

  // A health visitor who is the child's lead professional, with an account linked to the practitioner.
  const trust = await anOrganisation(t, 'council');
  const practitioner = await t.database.db.insertInto('practitioners')
    .values({ organisation_id: trust, name: 'Dana Health', role: 'health_visitor', team: null, phone: null, email: null })
    .returning('id').executeTakeFirstOrThrow();
  const today = ukDate(t.clock.now());
  leadEmail = 'lead.professional@trust.test';
  await t.services.users.add({
    organisationId: trust, practitionerId: practitioner.id, email: leadEmail, displayName: 'Dana Health', role: 'practitioner', password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
  });
  await t.services.involvements.add({ childId, organisationId: trust, practitionerId: practitioner.id, service: 'Health visiting', role: 'health_visitor', isLeadProfessional: true, startedOn: '2026-10-01' });
});

after(() => t.close());

describe('who looked at a child, and why', () => {
  test('the responsible council sees each look with the person, organisation and reason', async () => {
    const session = await signInAs(t.app, t.clock, councilEmail, TEST_PASSWORD, TEST_TOTP_SECRET);
    const page = await session.get(`/children/${childId}/who-looked`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Welfare concern raised by class teacher/);
    assert.match(page.body, /Looked at the record/);
    assert.match(page.body, /Created the record/);
    const own = await t.database.db.selectFrom('audit_entries').select('basis').where('child_id', '=', childId).where('reason', '=', 'who looked at this record').execute();
    assert.deepEqual(own.map((r) => r.basis), ['responsible council']);
  });

  test('the lead professional sees it too', async () => {
    const session = await signInAs(t.app, t.clock, leadEmail, TEST_PASSWORD, TEST_TOTP_SECRET);
    assert.equal((await session.get(`/children/${childId}/who-looked`)).statusCode, 200);
  });

  test('anyone else gets the same 404 as for a child that does not exist, and the attempt is recorded', async () => {
    const session = await signInAs(t.app, t.clock, schoolEmail, TEST_PASSWORD, TEST_TOTP_SECRET);
    const refused = await session.get(`/children/${childId}/who-looked`);
    const missing = await session.get('/children/00000000-0000-4000-8000-000000000000/who-looked');
    assert.equal(refused.statusCode, 404);
    assert.equal(missing.statusCode, 404);
    const strip = (html: string) => html.replace(/nonce="[^"]+"/g, '').replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(strip(refused.body), strip(missing.body));
    const refusals = await t.database.db.selectFrom('audit_entries').select('outcome').where('child_id', '=', childId).where('outcome', '=', 'refused').execute();
    assert.equal(refusals.length, 1);
  });
});

test('the rule: agency systems never, the responsible council and the lead professional only', () => {
  const user: Viewer = { kind: 'user', userId: 'u', organisationId: 'school', role: 'practitioner' };
  assert.equal(mayReadAccessLog(user, { responsibleCouncilId: 'council', viewerIsLeadProfessional: false }).allow, false);
  assert.equal(mayReadAccessLog(user, { responsibleCouncilId: 'council', viewerIsLeadProfessional: true }).allow, true);
  assert.equal(mayReadAccessLog({ ...user, organisationId: 'council' }, { responsibleCouncilId: 'council', viewerIsLeadProfessional: false }).allow, true);
  assert.equal(mayReadAccessLog({ kind: 'api-client', clientId: 'c', organisationId: 'council', sourceSystems: [] }, { responsibleCouncilId: 'council', viewerIsLeadProfessional: true }).allow, false);
});
