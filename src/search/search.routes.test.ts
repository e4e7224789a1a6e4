import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { ChildrenService } from '../children/children.service.js';

let t: TestApp;
let session: HttpSession;

before(async () => {
  t = await buildTestApp();
  const councilId = await anOrganisation(t, 'council');
  await new ChildrenService({ db: t.database.db, keys: t.keys }).add([{
    id: randomUUID(), responsibleCouncilId: councilId, recordTrigger: 'child_in_need', triggerDate: '2026-09-01', sex: 'female', unborn: false, shielded: false,
    identity: { givenNames: 'Elizabeth Grace', familyName: 'Fairweather', formerFamilyNames: [], dateOfBirth: '2013-05-09', address: { kind: 'no_known_address' }, nhsNumber: null },
  }]);
  const { email } = await anAccount(t);
  session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
});
after(async () => {
  await t.close();
});

const searches = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM audit_entries WHERE action = 'search'`.execute(t.database.db)).rows[0]!.n;

describe('finding a child from the search page', () => {
  test('a practitioner states a reason, searches with a misspelt name and a nickname, and sees who to contact', async () => {
    assert.equal((await session.get('/children/search')).statusCode, 200);
    const before = await searches();
    const response = await session.post('/children/search', {
      reason: 'safeguarding_concern', givenNames: 'Lizzie', familyName: 'Fairwether', 'dob-day': '9', 'dob-month': '5', 'dob-year': '2013',
    });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /1 child found/);
    assert.match(response.body, /Elizabeth Grace Fairweather/);
    assert.match(response.body, /Known to services/);
    assert.match(response.body, /9 May 2013/);
    assert.match(response.body, /0113 496 0199/);
    assert.equal(await searches(), before + 1, 'the search is in the audit');
    const { rows } = await sql<{ reason: string; actor_user_id: string | null }>`SELECT reason, actor_user_id FROM audit_entries WHERE action = 'search' ORDER BY id DESC LIMIT 1`.execute(t.database.db);
    const [entry] = rows;
    assert.ok(entry?.actor_user_id);
    assert.equal(entry.reason, 'safeguarding_concern');
  });

  test('no reason, no search: the form says what is missing and nothing is searched', async () => {
    await session.get('/children/search');
    const before = await searches();
    const response = await session.post('/children/search', { familyName: 'Fairweather' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Select why you are searching/);
    assert.match(response.body, /Enter the child(&#39;|')s date of birth/);
    assert.equal(await searches(), before);
  });

  test('"another reason" needs the reason written down; impossible dates are named', async () => {
    await session.get('/children/search');
    const response = await session.post('/children/search', { reason: 'other', familyName: 'Smith', 'dob-day': '31', 'dob-month': '2', 'dob-year': '2015' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Say why you are searching/);
    assert.match(response.body, /Date of birth must be a real date/);
  });

  test('a search that fits nobody says so, without listing anyone', async () => {
    await session.get('/children/search');
    const response = await session.post('/children/search', { reason: 'education', familyName: 'Nobodyatall', 'dob-day': '1', 'dob-month': '1', 'dob-year': '2012' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /No child found/);
  });

  test('signed-out people cannot search', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/children/search' });
    assert.equal(response.statusCode, 302);
  });
});
