import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let childId: string;
let officer: HttpSession;
let socialWorkerEmail: string;

/** The PDF's page content, inflated: pdf-lib compresses content streams and writes text as hex strings. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const parts: string[] = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)endstream/g)) {
    try {
      parts.push(inflateSync(Buffer.from(match[1]!, 'latin1')).toString('latin1'));
    } catch {
      parts.push(match[1]!);
    }
  }
  return parts.join('\n');
}
const pdfContains = (pdf: Buffer, text: string) => pdfText(pdf).includes(`<${Buffer.from(text, 'latin1').toString('hex').toUpperCase()}>`);

before(async () => {
  t = await buildTestApp();
  const councilId = await anOrganisation(t, 'council');
  const worker = await anAccount(t, 'vetted', { organisationId: councilId });
  socialWorkerEmail = worker.email;
  const socialWorker: Viewer = { kind: 'user', userId: worker.id, organisationId: councilId, role: 'social_worker' };
  childId = await aChild(t, socialWorker, aChildRecordInput(await councilCodeOf(t, councilId), { familyName: 'Rowntree', givenNames: 'Mia', sex: 'female' }));
  const school = await anOrganisation(t, 'school');
  const teacher = await anAccount(t, 'vetted', { organisationId: school });
  const schoolViewer: Viewer = { kind: 'user', userId: teacher.id, organisationId: school, role: 'practitioner' };
  await t.services.childRecords.lookAt(schoolViewer, childId, 'Attendance', null);
  await t.services.childRecords.lookAt(schoolViewer, childId, 'Whereabouts', null);

  const today = ukDate(t.clock.now());
  await t.services.users.add({
    organisationId: councilId, email: 'ig.officer@council.test', displayName: 'Ira Governance', role: 'information_governance_officer', password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
  });
  officer = await signInAs(t.app, t.clock, 'ig.officer@council.test', TEST_PASSWORD, TEST_TOTP_SECRET);
});

after(() => t.close());

async function entryIdFor(reason: string): Promise<string> {
  const row = await t.database.db.selectFrom('audit_entries').select('id').where('child_id', '=', childId).where('reason', '=', reason).executeTakeFirstOrThrow();
  return String(row.id);
}

describe('a family\'s subject access request', () => {
  test('the information governance officer withholds a harmful entry and the report leaves it out', async () => {
    const page = await officer.get(`/children/${childId}/subject-access`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Attendance/);
    const withheld = await entryIdFor('Whereabouts');
    const response = await officer.post(`/children/${childId}/subject-access`, { withhold: withheld, withheldReason: 'Would reveal an ongoing police enquiry' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/pdf');
    const pdf = response.rawPayload;
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdfContains(pdf, 'Attendance'));
    assert.ok(!pdfContains(pdf, 'Whereabouts'));
    const recorded = await t.database.db.selectFrom('audit_entries').select(['reason', 'outcome']).where('child_id', '=', childId).where('action', '=', 'export').execute();
    assert.deepEqual(recorded, [{ reason: `subject access report; withheld entries ${withheld}: Would reveal an ongoing police enquiry`, outcome: 'allowed' }]);
  });

  test('withholding needs a reason', async () => {
    await officer.get(`/children/${childId}/subject-access`);
    const response = await officer.post(`/children/${childId}/subject-access`, { withhold: await entryIdFor('Attendance') });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /could cause serious harm/);
  });

  test('nobody but the responsible council\'s information governance officers can prepare one', async () => {
    const worker = await signInAs(t.app, t.clock, socialWorkerEmail, TEST_PASSWORD, TEST_TOTP_SECRET);
    assert.equal((await worker.get(`/children/${childId}/subject-access`)).statusCode, 404);
  });
});
