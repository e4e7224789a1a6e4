import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, aTestNhsNumber, aTestUpn, councilCodeOf } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import { insertPractitioners } from '../organisations/practitioners.repository.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let councilA: string;
let councilB: string;
let councilAName: string;
let councilBName: string;
let codeA: string;
let school: string;
let socialWorkerA: { id: string; viewer: Viewer; session: HttpSession };
let socialWorkerB: { id: string; viewer: Viewer; session: HttpSession };
let schoolLead: { id: string; viewer: Viewer; session: HttpSession };
let colleagueA: string;

/** An account with a given role, signed in through the real pages. */
async function aSignedInAccount(organisationId: string, role: string, displayName: string): Promise<{ id: string; viewer: Viewer; session: HttpSession }> {
  const today = ukDate(t.clock.now());
  const email = `${role}.${randomUUID().slice(0, 8)}@signpost.test`;
  const id = await t.services.users.add({
    organisationId, email, displayName, role, password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -300), trainingCompletedOn: addDays(today, -100), agreementSignedOn: addDays(today, -30), totpSecret: TEST_TOTP_SECRET,
  });
  const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
  return { id, viewer: { kind: 'user', userId: id, organisationId, role }, session };
}

async function aPractitioner(organisationId: string, name: string, phone: string): Promise<string> {
  await insertPractitioners(t.database.db, [{ organisationId, name, role: 'social_worker', team: 'Assessment', phone, email: null }]);
  const row = await t.database.db.selectFrom('practitioners').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

const unescape = (html: string) => html.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The hidden fields of the form posting to `action` on the page, as a browser would send them. */
function hiddenFieldsOf(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  assert.ok(start >= 0, `no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unescape(m[2]!);
  return fields;
}

async function latestView(childId: string) {
  return t.database.db.selectFrom('audit_entries').select(['reason', 'actor_user_id', 'outcome', 'basis'])
    .where('child_id', '=', childId).where('action', '=', 'view').orderBy('id', 'desc').executeTakeFirst();
}
async function viewCount(childId: string): Promise<number> {
  const rows = await t.database.db.selectFrom('audit_entries').select('id').where('child_id', '=', childId).where('action', '=', 'view').execute();
  return rows.length;
}

before(async () => {
  t = await buildTestApp();
  councilA = await anOrganisation(t, 'council');
  councilB = await anOrganisation(t, 'council');
  codeA = await councilCodeOf(t, councilA);
  const councils = await t.services.organisations.list({ kind: 'council', limit: 500, offset: 0 });
  councilAName = councils.find((c) => c.id === councilA)!.name;
  councilBName = councils.find((c) => c.id === councilB)!.name;
  school = await anOrganisation(t, 'school');
  socialWorkerA = await aSignedInAccount(councilA, 'social_worker', 'Morgan Ashby');
  socialWorkerB = await aSignedInAccount(councilB, 'social_worker', 'Dev Brennan');
  schoolLead = await aSignedInAccount(school, 'practitioner', 'Grace Whitfield');
  colleagueA = (await aSignedInAccount(councilA, 'social_worker', 'Kit Colleague')).id;
});
after(() => t.close());

describe('from the search results to who is working with the child', () => {
  test('a school safeguarding lead searches, views the child and sees who is working with them and how to reach them; the look is audited with the reason', async () => {
    const nhsNumber = aTestNhsNumber();
    const childId = await aChild(t, socialWorkerA.viewer, aChildRecordInput(codeA, { givenNames: 'Rosalind', familyName: 'Quennell', sex: 'female', dateOfBirth: '2015-06-21', nhsNumber }));
    const worker = await aPractitioner(councilA, 'Priya Bannerjee', '0113 496 0500');
    await t.services.involvements.add({
      childId, organisationId: councilA, practitionerId: worker, service: 'Children\'s social care – Assessment team', role: 'allocated_social_worker',
      isLeadProfessional: true, contactRoute: '0113 496 0777', startedOn: '2026-09-02', holdsEarlyHelpAssessment: true,
    });
    await t.services.involvements.add({ childId, organisationId: school, service: 'Pastoral team', role: 'designated_safeguarding_lead', startedOn: '2026-09-05' });
    await t.services.involvements.add({ childId, organisationId: school, service: 'School nursing', role: 'school_nurse', contactRoute: '0113 496 0321', startedOn: '2026-12-07' });
    await t.services.flags.set({ childId, kind: 'child_in_need', responsibleCouncilId: councilA, startedOn: '2026-09-01' });

    const { session } = schoolLead;
    await session.get('/children/search');
    const results = await session.post('/children/search', { reason: 'education', givenNames: 'Rosalind', familyName: 'Quenell', 'dob-day': '21', 'dob-month': '6', 'dob-year': '2015' });
    assert.equal(results.statusCode, 200);
    assert.match(results.body, /View who is working with this child/);
    const viewForm = hiddenFieldsOf(results.body, `/children/${childId}/view`);
    assert.equal(viewForm['reason'], 'education', 'the search\'s reason goes with the button');

    const before = await viewCount(childId);
    const page = await session.post(`/children/${childId}/view`, viewForm);
    assert.equal(page.statusCode, 200);
    const html = unescape(page.body);
    assert.match(html, /<h1 class="govuk-heading-l">Rosalind Quennell<\/h1>/);
    assert.match(html, /21 June 2015/);
    assert.match(html, new RegExp(`${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`), 'NHS number formatted');
    assert.match(html, new RegExp(councilAName));
    assert.match(html, /0113 496 0199/, 'the council\'s emergency duty number');
    // Who is working with the child comes first, with how to reach each of them.
    const who = html.indexOf('Who is working with this child');
    assert.ok(who > 0 && who < html.indexOf('>Status<') && who < html.indexOf('About the child'));
    assert.match(html, /Priya Bannerjee/);
    assert.match(html, /Allocated social worker/);
    assert.match(html, /0113 496 0777/);
    assert.match(html, /Lead professional/);
    assert.match(html, /Holds an early help assessment/);
    assert.match(html, /Pastoral team/);
    assert.match(html, /0113 496 0100/, 'a team without a named practitioner is reached through its agency');
    assert.match(html, /2 September 2026/);
    assert.match(html, /Handovers coming up[\s\S]*School nursing[\s\S]*7 December 2026/);
    assert.match(html, /Child in need[\s\S]*Active/);
    assert.match(html, /14 Canal Street/);
    assert.match(html, /Sarah Thistlewood/);
    assert.match(html, /Why this record exists[\s\S]*Child in need, 1 September 2026/);
    assert.match(html, /Kept while any involvement or flag is open/);
    assert.doesNotMatch(html, /Shield this record/, 'only the responsible council can shield');

    assert.equal(await viewCount(childId), before + 1);
    const entry = await latestView(childId);
    assert.equal(entry?.reason, 'education');
    assert.equal(entry.actor_user_id, schoolLead.id);
    assert.equal(entry.outcome, 'allowed');
  });

  test('the reason page asks why before anything is shown; no reason shows an error and records no look', async () => {
    const childId = await aChild(t, socialWorkerA.viewer, aChildRecordInput(codeA, { givenNames: 'Tobias', familyName: 'Wrenfield', dateOfBirth: '2012-02-14' }));
    const { session } = schoolLead;
    const reasonPage = await session.get(`/children/${childId}`);
    assert.equal(reasonPage.statusCode, 200);
    assert.match(reasonPage.body, /Why are you looking at this child(&#39;|')s record\?/);
    assert.doesNotMatch(reasonPage.body, /Wrenfield/, 'no child details before a reason');

    const before = await viewCount(childId);
    const missing = await session.post(`/children/${childId}/view`, {});
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /govuk-error-summary/);
    assert.match(missing.body, /href="#reason"/);
    assert.doesNotMatch(missing.body, /Wrenfield/);
    const other = await session.post(`/children/${childId}/view`, { reason: 'other', reasonDetail: '  ' });
    assert.equal(other.statusCode, 400);
    assert.match(other.body, /Say why you are looking at this child/);
    // PostgreSQL cannot store a NUL: refused up front, not a server error when the entry is written.
    const nul = await session.post(`/children/${childId}/view`, { reason: 'other', reasonDetail: 'Team around\u0000the family' });
    assert.equal(nul.statusCode, 400);
    assert.match(nul.body, /Remove the NUL character/);
    assert.doesNotMatch(nul.body, /Wrenfield/);
    assert.equal(await viewCount(childId), before, 'nothing was looked at');
    // The NUL refusal's page has no form: the next post takes its CSRF token from the reason page.
    await session.get(`/children/${childId}`);

    const page = await session.post(`/children/${childId}/view`, { reason: 'other', reasonDetail: 'Team around the family meeting' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Tobias Wrenfield/);
    assert.equal((await latestView(childId))?.reason, 'other: Team around the family meeting');
  });

  test('an unknown child is the standard page not found', async () => {
    const { session } = schoolLead;
    await session.get('/children/search');
    const unknown = await session.post(`/children/${randomUUID()}/view`, { reason: 'education' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /Page not found/);
    assert.equal((await session.get('/children/not-a-child')).statusCode, 404);
    assert.equal((await session.get('/children/not-a-child/shield')).statusCode, 404);
  });

  test('signed-out people are sent to sign in', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/children/${randomUUID()}` });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/sign-in');
  });
});

describe('a child who moved area', () => {
  test('the new council\'s social worker sees the previous council, how to reach it, and who worked with the child there', async () => {
    const childId = await aChild(t, socialWorkerA.viewer, aChildRecordInput(codeA, { givenNames: 'Imogen', familyName: 'Harcastle', sex: 'female', dateOfBirth: '2014-10-03' }));
    await t.services.areaHistory.recordMove(childId, { councilId: councilA, movedOn: '2026-01-05' });
    const worker = await aPractitioner(councilA, 'Oluwaseun Adeyemi', '0113 496 0600');
    const { id: involvementId } = await t.services.involvements.add({
      childId, organisationId: councilA, practitionerId: worker, service: 'Child protection team', role: 'lead_child_protection_practitioner', isLeadProfessional: true, startedOn: '2026-01-10',
    });
    await t.services.involvements.end(involvementId, { endedOn: '2026-10-01', endReason: 'TSPROC' });
    await t.services.flags.set({ childId, kind: 'child_protection_plan', responsibleCouncilId: councilA, startedOn: '2026-03-01' });
    await t.services.areaHistory.recordMove(childId, { councilId: councilB, movedOn: '2026-10-01', reason: 'Family moved' });

    const { session } = socialWorkerB;
    await session.get(`/children/${childId}`);
    const page = await session.post(`/children/${childId}/view`, { reason: 'case_transfer' });
    assert.equal(page.statusCode, 200);
    const html = unescape(page.body);
    const history = html.slice(html.indexOf('Area history'), html.indexOf('Who worked with this child before'));
    assert.match(history, new RegExp(`${councilBName}[\\s\\S]*Current area[\\s\\S]*1 October 2026[\\s\\S]*Family moved`));
    assert.match(history, new RegExp(`${councilAName}[\\s\\S]*5 January 2026[\\s\\S]*1 October 2026[\\s\\S]*0113 496 0100 \\(office hours\\); 0113 496 0199 \\(out of hours, emergency duty\\)`));
    const past = html.slice(html.indexOf('Who worked with this child before'), html.indexOf('About the child'));
    assert.match(past, /Oluwaseun Adeyemi[\s\S]*Lead child protection practitioner[\s\S]*10 January 2026[\s\S]*1 October 2026[\s\S]*Transfer by standard process/);
    // The plan is still held by the previous council: ask them before acting.
    assert.match(html, new RegExp(`Open in another area: ${councilAName} still holds child protection plan`));
    assert.match(html, /Lives in the area of/);
    assert.match(html, /No one is recorded as working with this child at the moment/);
  });
});

describe('shielded children', () => {
  const canaries = {
    line: '221 Canary Wharf Row', postcode: 'CW1 1AA', parent: 'Canary Parentname', parentPhone: '0113 496 0999',
    councilChildId: 'CANARY-77', practitioner: 'Canary Practitioner', route: '0113 496 0888', shieldReason: 'Canary shield reason',
  };

  test('others see only name, sex, date of birth, reference and the council; a seal-holder sees the record and manages the shield', async () => {
    const nhsNumber = aTestNhsNumber();
    const upn = aTestUpn();
    const childId = await aChild(t, socialWorkerA.viewer, aChildRecordInput(codeA, {
      givenNames: 'Wilhelmina', familyName: 'Ossington', sex: 'female', dateOfBirth: '2013-03-30', nhsNumber, upn, councilChildId: canaries.councilChildId,
      address: { lines: [canaries.line], town: 'Leeds', postcode: canaries.postcode },
      parentsCarers: [{ name: canaries.parent, relationship: 'mother', hasParentalResponsibility: true, phone: canaries.parentPhone, email: null }],
    }));
    const worker = await aPractitioner(councilA, canaries.practitioner, '0113 496 0700');
    await t.services.involvements.add({ childId, organisationId: councilA, practitionerId: worker, service: 'Assessment', role: 'allocated_social_worker', contactRoute: canaries.route, startedOn: '2026-09-02' });
    await t.services.areaHistory.recordMove(childId, { councilId: councilA, movedOn: '2026-01-05', reason: 'Refuge' });

    // The responsible council shields it through the pages.
    const a = socialWorkerA.session;
    await a.get(`/children/${childId}`);
    const before = await a.post(`/children/${childId}/view`, { reason: 'safeguarding_concern' });
    assert.match(before.body, new RegExp(`href="/children/${childId}/shield"`));
    assert.equal((await a.get(`/children/${childId}/shield`)).statusCode, 200);
    const empty = await a.post(`/children/${childId}/shield`, {});
    assert.equal(empty.statusCode, 400);
    for (const href of ['#reason', '#decidedBy', '#reviewOn-day']) assert.match(empty.body, new RegExp(`href="${href}"`));
    const badDate = await a.post(`/children/${childId}/shield`, { reason: canaries.shieldReason, decidedBy: 'Head of Service', 'review-day': '31', 'review-month': '2', 'review-year': '2027' });
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /The review date must be a real date/);
    const shielded = await a.post(`/children/${childId}/shield`, { reason: canaries.shieldReason, decidedBy: 'Head of Service', 'review-day': '1', 'review-month': '3', 'review-year': '2027' });
    assert.equal(shielded.statusCode, 200);
    assert.match(shielded.body, /Record shielded/);

    // Anyone else: the summary only.
    const s = schoolLead.session;
    await s.get(`/children/${childId}`);
    const summary = await s.post(`/children/${childId}/view`, { reason: 'safeguarding_concern' });
    assert.equal(summary.statusCode, 200);
    const html = unescape(summary.body);
    assert.match(html, /Wilhelmina Ossington/);
    assert.match(html, /30 March 2013/);
    assert.match(html, /Female/);
    assert.match(html, new RegExp(childId));
    assert.match(html, new RegExp(`This record is shielded. Contact ${councilAName} on 0113 496 0100 in office hours, or 0113 496 0199 out of hours`));
    const formatted = `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
    for (const secret of [...Object.values(canaries), nhsNumber, formatted, upn, 'Refuge', 'Who is working with this child', 'Area history', 'Canal Street']) {
      assert.ok(!html.includes(secret), `the shielded page must not show "${secret}"`);
    }

    // The seal-holder (who shielded it) sees everything, and the shield's details.
    await a.get(`/children/${childId}`);
    const full = unescape((await a.post(`/children/${childId}/view`, { reason: 'safeguarding_concern' })).body);
    for (const shown of [canaries.line, canaries.parent, canaries.councilChildId, canaries.practitioner, canaries.route, canaries.shieldReason, formatted, upn, 'Head of Service', '1 March 2027']) {
      assert.ok(full.includes(shown), `the seal-holder sees "${shown}"`);
    }
    assert.match(full, /Morgan Ashby/, 'named as a seal-holder');
    assert.match(full, /Remove shield/);
    assert.match(full, new RegExp(`<option value="${colleagueA}">Kit Colleague`), 'colleagues in the council can be named');

    // A colleague is named as a seal-holder.
    const named = await a.post(`/children/${childId}/seal-holders`, { userId: colleagueA });
    assert.equal(named.statusCode, 200);
    assert.deepEqual((await t.services.childRecords.sealHolders(childId)).map((h) => h.id).sort(), [colleagueA, socialWorkerA.id].sort());

    // Outside the council, the shield cannot be changed.
    await s.get(`/children/${childId}/shield`);
    const refused = await s.post(`/children/${childId}/shield`, { reason: 'x', decidedBy: 'y', 'review-day': '1', 'review-month': '3', 'review-year': '2027' });
    assert.equal(refused.statusCode, 403);
    const refusedRemove = await s.post(`/children/${childId}/shield/remove`, {});
    assert.equal(refusedRemove.statusCode, 403);

    // The council removes the shield; the school sees the whole signpost again.
    await a.get(`/children/${childId}`);
    const removed = await a.post(`/children/${childId}/shield/remove`, {});
    assert.equal(removed.statusCode, 200);
    assert.match(removed.body, /Shield removed/);
    await s.get(`/children/${childId}`);
    const after = unescape((await s.post(`/children/${childId}/view`, { reason: 'safeguarding_concern' })).body);
    assert.match(after, /Who is working with this child/);
    assert.ok(after.includes(canaries.practitioner));
  });
});
