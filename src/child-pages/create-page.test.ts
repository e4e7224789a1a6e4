import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let councilId: string;
let councilCode: string;
let viewer: Viewer;
let session: HttpSession;

const unescape = (html: string) => html.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The hidden fields of the form posting to `action`, as a browser would send them. */
function hiddenFieldsOf(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  assert.ok(start >= 0, `no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unescape(m[2]!);
  return fields;
}

/** What a person fills in on the create page for a child with an address and a parent. */
function aCompletedForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    reason: 'safeguarding_concern', reasonDetail: '',
    givenNames: 'Florence', familyName: 'Pemberton-Ives', formerFamilyNames: 'Ives',
    'dob-day': '4', 'dob-month': '7', 'dob-year': '2017', sex: 'female',
    nhsNumber: '', upn: '', councilChildId: 'LA-5521', policeReference: '',
    addressLine1: '8 Mill Lane', addressLine2: '', addressTown: 'Leeds', addressPostcode: 'LS6 2QT',
    carerName: 'Hannah Pemberton', carerRelationship: 'mother', carerParentalResponsibility: 'yes', carerPhone: '0113 496 0444', carerEmail: '',
    recordTrigger: 'contact_referral_accepted', 'trigger-day': '2', 'trigger-month': '11', 'trigger-year': '2026',
    responsibleCouncilCode: councilCode,
    ...overrides,
  };
}

async function creates(): Promise<number> {
  return (await t.database.db.selectFrom('audit_entries').select('id').where('action', '=', 'create').execute()).length;
}

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const account = await anAccount(t, 'vetted', { organisationId: councilId });
  viewer = { kind: 'user', userId: account.id, organisationId: councilId, role: 'social_worker' };
  session = await signInAs(t.app, t.clock, account.email, TEST_PASSWORD, TEST_TOTP_SECRET);
});
after(() => t.close());

describe('search before create', () => {
  test('the create page is reached only from a search', async () => {
    const direct = await session.get('/children/new');
    assert.equal(direct.statusCode, 302);
    assert.equal(direct.headers.location, '/children/search');
    await session.get('/children/search');
    const noSearch = await session.post('/children/new', {});
    assert.equal(noSearch.statusCode, 302);
    assert.equal(noSearch.headers.location, '/children/search');
  });

  test('"No child found" offers a new record, filled in from the search; submitting it creates the record', async () => {
    await session.get('/children/search');
    const results = await session.post('/children/search', { reason: 'referral_or_assessment', givenNames: 'Florence', familyName: 'Pemberton-Ives', 'dob-day': '4', 'dob-month': '7', 'dob-year': '2017' });
    assert.match(results.body, /No child found/);
    const start = hiddenFieldsOf(results.body, '/children/new');
    assert.equal(start['familyName'], 'Pemberton-Ives');

    const form = await session.post('/children/new', start);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<h1 class="govuk-heading-l">Create a new record<\/h1>/);
    assert.match(form.body, /name="familyName"[^>]*value="Pemberton-Ives"/);
    assert.match(form.body, /name="dob-year"[^>]*value="2017"/);
    assert.match(form.body, new RegExp(`<option value="${councilCode}" selected>`), 'the user\'s own council is chosen');
    for (const label of ['Contact or referral accepted by children(&#39;|\')s social care', 'Section 47 enquiry', 'Operation Encompass notification']) {
      assert.match(form.body, new RegExp(label));
    }

    const before = await t.services.children.count();
    const created = await session.post('/children', aCompletedForm(hiddenFieldsOf(form.body, '/children')));
    assert.equal(created.statusCode, 201);
    assert.match(created.body, /Record created/);
    const reference = /<strong class="app-reference">([0-9a-f-]{36})<\/strong>/.exec(created.body)?.[1];
    assert.ok(reference);
    assert.match(created.body, new RegExp(`href="/children/${reference}"`));
    assert.equal(await t.services.children.count(), before + 1);

    const look = await t.services.childRecords.lookAt(viewer, reference, 'check', null);
    assert.ok(look.kind === 'full');
    const { child, identifiers } = look.record;
    assert.equal(child.identity.familyName, 'Pemberton-Ives');
    assert.deepEqual(child.identity.formerFamilyNames, ['Ives']);
    assert.equal(child.identity.dateOfBirth, '2017-07-04');
    assert.deepEqual(child.identity.address, { kind: 'known', lines: ['8 Mill Lane'], town: 'Leeds', postcode: 'LS6 2QT' });
    assert.deepEqual(child.identity.parentsCarers, [{ name: 'Hannah Pemberton', relationship: 'mother', hasParentalResponsibility: true, phone: '0113 496 0444', email: null }]);
    assert.equal(child.recordTrigger, 'contact_referral_accepted');
    assert.equal(child.triggerDate, '2026-11-02');
    assert.equal(child.responsibleCouncilId, councilId);
    assert.deepEqual(identifiers.map((i) => [i.kind, i.value]), [['council_child_id', 'LA-5521']]);
  });

  test('a likely duplicate is shown first, and the record is made only once the person confirms they checked', async () => {
    const existing = await aChild(t, viewer, aChildRecordInput(councilCode, { givenNames: 'Ella', familyName: 'Brackenbury', sex: 'female', dateOfBirth: '2014-02-03' }));
    await session.get('/children/search');
    const before = await t.services.children.count();
    const createsBefore = await creates();
    const form = aCompletedForm({ givenNames: 'Ella', familyName: 'Brakenbury', formerFamilyNames: '', 'dob-day': '2', 'dob-month': '3', 'dob-year': '2014', councilChildId: '' });

    const held = await session.post('/children', form);
    assert.equal(held.statusCode, 409);
    const html = unescape(held.body);
    const match = html.indexOf('Ella Brackenbury');
    assert.ok(match > 0 && match < html.indexOf('action="/children"'), 'the likely match comes before the form');
    assert.match(html, /3 February 2014/);
    assert.match(html, /Why it may be the same child/);
    assert.match(html, /I have checked these are not the same child/);
    assert.match(html, new RegExp(`name="reviewedMatches"[^>]*value="${existing}"`));
    assert.match(html, new RegExp(`action="/children/${existing}/view"`), 'the match can be viewed with the search\'s reason');
    assert.equal(await t.services.children.count(), before);

    // Not ticked: asked again, with an error on the box; still nothing written.
    const fields = hiddenFieldsOf(held.body, '/children');
    assert.equal(fields['matchesShown'], 'yes');
    const unticked = await session.post('/children', { ...form, ...fields });
    assert.equal(unticked.statusCode, 409);
    assert.match(unticked.body, /href="#reviewedMatches"/);
    assert.match(unticked.body, /Confirm you have checked these children are not the child you are recording/);
    assert.equal(await t.services.children.count(), before);

    const created = await session.post('/children', { ...form, ...fields, reviewedMatches: existing });
    assert.equal(created.statusCode, 201);
    assert.equal(await t.services.children.count(), before + 1);
    assert.equal(await creates(), createsBefore + 1);
  });

  test('bad input shows each error on its field and writes nothing', async () => {
    await session.get('/children/search');
    const before = await t.services.children.count();
    const createsBefore = await creates();
    const response = await session.post('/children', aCompletedForm({
      familyName: 'Quarrington', nhsNumber: '943 476 5918', 'dob-day': '31', 'dob-month': '2', 'dob-year': '2015', sex: '',
      addressPostcode: 'NOT A POSTCODE', carerPhone: 'call me', recordTrigger: '', 'trigger-day': '', 'trigger-month': '', 'trigger-year': '', responsibleCouncilCode: '',
    }));
    assert.equal(response.statusCode, 400);
    const html = unescape(response.body);
    assert.match(html, /govuk-error-summary/);
    for (const [href, message] of [
      ['#dateOfBirth-day', 'Date of birth must be a real date'],
      ['#sex', 'Select the child\'s sex'],
      ['#nhsNumber', 'Enter a valid 10-digit NHS number'],
      ['#addressPostcode', 'Enter a full UK postcode'],
      ['#carerPhone', 'Enter a phone number'],
      ['#recordTrigger', 'Select why the record exists'],
      ['#triggerDate-day', 'Enter the date of the trigger'],
      ['#responsibleCouncilCode', 'Select the responsible council'],
    ] as const) {
      assert.match(html, new RegExp(`href="${href}">${message}`), `${href} says "${message}"`);
    }
    assert.match(html, /name="familyName"[^>]*value="Quarrington"/, 'what was entered is kept');
    assert.equal(await t.services.children.count(), before);
    assert.equal(await creates(), createsBefore);
  });

  test('an unborn child is recorded with the expected date of delivery', async () => {
    await session.get('/children/search');
    const noDate = await session.post('/children', aCompletedForm({ givenNames: '', familyName: 'Ravensworth', unborn: 'yes', 'dob-day': '', 'dob-month': '', 'dob-year': '', sex: 'unknown', recordTrigger: 'unborn_child_protection_plan', noKnownAddress: 'yes', addressLine1: '', addressTown: '', addressPostcode: '' }));
    assert.equal(noDate.statusCode, 400);
    assert.match(noDate.body, /href="#expectedDate-day">Enter the expected date of delivery/);
    const created = await session.post('/children', aCompletedForm({
      givenNames: '', familyName: 'Ravensworth', councilChildId: '', unborn: 'yes', 'dob-day': '', 'dob-month': '', 'dob-year': '', 'edd-day': '14', 'edd-month': '3', 'edd-year': '2027',
      sex: 'unknown', recordTrigger: 'unborn_child_protection_plan', noKnownAddress: 'yes', addressLine1: '', addressTown: '', addressPostcode: '',
    }));
    assert.equal(created.statusCode, 201);
    assert.match(created.body, /Unborn child Ravensworth/);
  });

  test('an identifier that belongs to another child is shown on its field', async () => {
    await aChild(t, viewer, aChildRecordInput(councilCode, { givenNames: 'Seth', familyName: 'Underhill', dateOfBirth: '2011-05-05', councilChildId: 'LA-9001' }));
    await session.get('/children/search');
    const before = await t.services.children.count();
    const response = await session.post('/children', aCompletedForm({ givenNames: 'Mabel', familyName: 'Tennyson-Hale', councilChildId: 'LA-9001' }));
    assert.equal(response.statusCode, 400);
    assert.match(unescape(response.body), /href="#councilChildId">This council child ID already belongs to another child known to services/);
    assert.equal(await t.services.children.count(), before);
  });
});
