import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { HttpSession, signInAs } from '../../test/http-session.js';
import { optionsIn, SoftAuthenticator } from '../../test/webauthn/soft-authenticator.js';
import { ValidationError } from '../platform/http/errors.js';
import { LAST_FACTOR } from './security-keys.service.js';

let t: TestApp;
before(async () => {
  // As production connects: the least-privilege app role must be able to use the new table.
  t = await buildTestApp({ appRole: true });
});
after(() => t.close());

/** A signed-in person with one security key added through the pages. */
async function aPersonWithAKey(): Promise<{ email: string; id: string; key: SoftAuthenticator; session: HttpSession }> {
  const account = await anAccount(t);
  const session = await signInAs(t.app, t.clock, account.email, TEST_PASSWORD, TEST_TOTP_SECRET);
  const key = new SoftAuthenticator();
  const page = await session.get('/account/security-keys/add');
  const added = await session.post('/account/security-keys/add', { nickname: 'Blue USB key', credential: JSON.stringify(key.register(optionsIn(page.body).challenge)) });
  assert.equal(added.statusCode, 303, added.body);
  return { ...account, key, session };
}

/** The password step, leaving a browser at the security code page. */
async function atSecondStep(email: string): Promise<HttpSession> {
  const session = new HttpSession(t.app);
  await session.get('/sign-in');
  const password = await session.post('/sign-in', { email, password: TEST_PASSWORD });
  assert.equal(password.headers.location, '/sign-in/mfa');
  return session;
}

async function auditOf(response: LightMyRequestResponse) {
  return t.database.db.selectFrom('audit_entries').select(['action', 'outcome', 'reason', 'actor_user_id']).where('request_id', '=', String(response.headers['x-request-id'])).execute();
}

async function failures(userId: string): Promise<number> {
  return (await t.database.db.selectFrom('users').select('failed_signins').where('id', '=', userId).executeTakeFirstOrThrow()).failed_signins;
}

describe('adding and removing security keys', () => {
  test('a signed-in practitioner adds a key with a name; it is listed, stored with its public key, and audited', async () => {
    const account = await anAccount(t);
    const session = await signInAs(t.app, t.clock, account.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const empty = await session.get('/account/security-keys');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /You have not added a security key/);

    const page = await session.get('/account/security-keys/add');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<script src="\/vendor\/simplewebauthn\/index\.umd\.min\.js" nonce="/);
    assert.match(page.body, /<script src="\/public\/security-key\.js" nonce="/);
    const options = optionsIn(page.body) as { challenge: string; rp: { id: string }; user: { name: string } };
    assert.equal(options.rp.id, 'localhost');
    const key = new SoftAuthenticator();
    const added = await session.post('/account/security-keys/add', { nickname: '  Blue   USB key ', credential: JSON.stringify(key.register(options.challenge)) });
    assert.equal(added.statusCode, 303, added.body);
    assert.equal(added.headers.location, '/account/security-keys?done=added');
    const list = await session.get('/account/security-keys?done=added');
    assert.match(list.body, /Security key added/);
    assert.match(list.body, /Blue USB key/);

    const [stored, ...others] = await t.database.db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', account.id).execute();
    assert.equal(others.length, 0);
    assert.equal(stored!.credential_id, key.id);
    assert.equal(stored!.nickname, 'Blue USB key');
    assert.deepEqual(stored!.transports, ['usb']);
    assert.ok(stored!.public_key.length > 60);
    assert.deepEqual((await auditOf(added)).map((e) => [e.action, e.outcome, e.reason]), [['update', 'allowed', 'security key added']]);

    // The next add page will not let the same key register twice.
    assert.deepEqual(optionsIn((await session.get('/account/security-keys/add')).body).excludeCredentials?.map((c) => c.id), [key.id]);
  });

  test('a registration is refused for a replayed challenge, a wrong challenge, another origin, a missing name or no response', async () => {
    const account = await anAccount(t);
    const session = await signInAs(t.app, t.clock, account.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const key = new SoftAuthenticator();
    const refused = async (form: Record<string, string>, message: RegExp) => {
      const response = await session.post('/account/security-keys/add', form);
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.body, /There is a problem/);
      assert.match(response.body, message);
      return response;
    };

    const first = optionsIn((await session.get('/account/security-keys/add')).body).challenge;
    const response = JSON.stringify(key.register(first));
    await session.post('/account/security-keys/add', { nickname: 'Key', credential: response });
    // The same response again: its challenge was used up.
    const replay = await refused({ nickname: 'Key again', credential: response }, /Your security key was not added/);
    assert.match((await auditOf(replay))[0]?.reason ?? '', /no security key challenge in progress/);

    const other = new SoftAuthenticator();
    await session.get('/account/security-keys/add');
    await refused({ nickname: 'Key', credential: JSON.stringify(other.register('bm90LXRoZS1jaGFsbGVuZ2UtaXNzdWVk')) }, /Your security key was not added/);
    const challenge = optionsIn((await session.get('/account/security-keys/add')).body).challenge;
    await refused({ nickname: 'Key', credential: JSON.stringify(other.register(challenge, { origin: 'https://evil.example' })) }, /Your security key was not added/);
    const named = optionsIn((await session.get('/account/security-keys/add')).body).challenge;
    await refused({ nickname: ' ', credential: JSON.stringify(other.register(named)) }, /Enter a name for your security key/);
    await session.get('/account/security-keys/add');
    await refused({ nickname: 'Key', credential: '' }, /Use your security key when your browser asks/);
    await session.get('/account/security-keys/add');
    await refused({ nickname: 'Key', credential: '{"id":"<script>"}' }, /Your security key was not added/);

    const expired = optionsIn((await session.get('/account/security-keys/add')).body).challenge;
    t.clock.advanceMinutes(6);
    await refused({ nickname: 'Key', credential: JSON.stringify(other.register(expired)) }, /Your security key was not added/);
    const keys = await t.database.db.selectFrom('webauthn_credentials').select('credential_id').where('user_id', '=', account.id).execute();
    assert.deepEqual(keys.map((k) => k.credential_id), [key.id]);
  });

  test('a key can be removed; the only key of an account without an authenticator app cannot', async () => {
    const person = await aPersonWithAKey();
    const [row] = await t.database.db.selectFrom('webauthn_credentials').select('id').where('user_id', '=', person.id).execute();
    const stranger = await aPersonWithAKey();
    await stranger.session.get('/account/security-keys');
    assert.equal((await stranger.session.post(`/account/security-keys/${row!.id}/remove`, {})).statusCode, 404, "another person's key");
    assert.equal((await stranger.session.post('/account/security-keys/not-a-uuid/remove', {})).statusCode, 404);

    const viewer = { id: person.id, email: person.email, displayName: 'Test', role: 'social_worker', organisationId: '', organisationName: '', vettingWarnings: [] };
    const organisation = await t.database.db.selectFrom('users').select('organisation_id').where('id', '=', person.id).executeTakeFirstOrThrow();
    viewer.organisationId = organisation.organisation_id;
    await t.services.users.resetMfa(person.email);
    await assert.rejects(t.services.securityKeys.remove(viewer, row!.id, 'test'), (error: unknown) => error instanceof ValidationError && error.fields['keys'] === LAST_FACTOR);

    await stranger.session.get('/account/security-keys');
    const [own] = await t.database.db.selectFrom('webauthn_credentials').select('id').where('user_id', '=', stranger.id).execute();
    const removed = await stranger.session.post(`/account/security-keys/${own!.id}/remove`, {});
    assert.equal(removed.statusCode, 303);
    assert.match((await stranger.session.get('/account/security-keys?done=removed')).body, /Security key removed[\s\S]*You have not added a security key/);
    assert.deepEqual((await auditOf(removed)).map((e) => e.reason), ['security key removed']);
  });
});

describe('signing in with a security key instead of a code', () => {
  test('the code page offers the key to someone who has one; using it signs them in, audited, with the counter kept', async () => {
    const person = await aPersonWithAKey();
    const session = await atSecondStep(person.email);
    const page = await session.get('/sign-in/mfa');
    assert.match(page.body, /Enter the 6-digit code/, 'the code form is still there (works without JavaScript)');
    assert.match(page.body, /Use your security key/);
    const options = optionsIn(page.body);
    assert.deepEqual(options.allowCredentials?.map((c) => c.id), [person.key.id]);

    const response = await session.post('/sign-in/mfa/security-key', { credential: JSON.stringify(person.key.assert(options.challenge)) });
    assert.equal(response.statusCode, 303, response.body);
    assert.equal(response.headers.location, '/');
    assert.equal((await session.get('/')).statusCode, 200);
    assert.deepEqual((await auditOf(response)).map((e) => [e.action, e.outcome, e.reason, e.actor_user_id]), [['sign_in', 'allowed', 'password and security key', person.id]]);
    const stored = await t.database.db.selectFrom('webauthn_credentials').select(['counter', 'last_used_at']).where('user_id', '=', person.id).executeTakeFirstOrThrow();
    assert.equal(Number(stored.counter), person.key.counter);
    assert.ok(stored.last_used_at);
  });

  test('the browser scripts are same-origin static files; nothing else of the package is served', async () => {
    const browser = new HttpSession(t.app);
    const script = await browser.get('/public/security-key.js');
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.equal((await browser.get('/vendor/simplewebauthn/index.umd.min.js')).statusCode, 200);
    assert.equal((await browser.get('/vendor/simplewebauthn/index.es5.umd.min.js')).statusCode, 404);
  });

  test('someone without a key sees only the code form', async () => {
    const account = await anAccount(t);
    const session = await atSecondStep(account.email);
    const page = await session.get('/sign-in/mfa');
    assert.doesNotMatch(page.body, /security-key|data-options/);
  });

  test('refused: a replayed assertion, a wrong challenge, another origin, an unknown key, another person\'s key and a counter that goes backwards; each audited and counted toward the lockout', async () => {
    const person = await aPersonWithAKey();
    const other = await aPersonWithAKey();
    const session = await atSecondStep(person.email);
    const refused = async (credential: string, reason: RegExp) => {
      const response = await session.post('/sign-in/mfa/security-key', { credential });
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.body, /Your security key was not accepted/);
      assert.match(response.body, /href="#security-key"/);
      const entries = await auditOf(response);
      assert.deepEqual(entries.map((e) => [e.action, e.outcome]), [['sign_in_failed', 'refused']]);
      assert.match(entries[0]!.reason ?? '', reason);
      return response;
    };

    let challenge = optionsIn((await session.get('/sign-in/mfa')).body).challenge;
    const used = JSON.stringify(person.key.assert(challenge));
    // Another tab asks for new options: the first challenge is no longer the session's.
    challenge = optionsIn((await session.get('/sign-in/mfa')).body).challenge;
    let page = await refused(used, /^security key: assertion refused: .*challenge/i);
    challenge = optionsIn(page.body).challenge;
    page = await refused(JSON.stringify(person.key.assert(challenge, { origin: 'https://evil.example' })), /^security key: assertion refused: .*origin/i);
    page = await refused(JSON.stringify(new SoftAuthenticator().assert(optionsIn(page.body).challenge)), /^security key: unknown credential$/);
    page = await refused(JSON.stringify(other.key.assert(optionsIn(page.body).challenge)), /^security key: another account's credential$/);
    assert.equal(await failures(person.id), 4);
    assert.equal(await failures(other.id), 0);

    // A good sign-in moves the stored counter on; a key answering with an older counter is a clone.
    const goodAssertion = JSON.stringify(person.key.assert(optionsIn(page.body).challenge, { counter: 10 }));
    const good = await session.post('/sign-in/mfa/security-key', { credential: goodAssertion });
    assert.equal(good.statusCode, 303);
    const again = await atSecondStep(person.email);
    await again.get('/sign-in/mfa');
    // An intercepted good assertion replayed in another sign-in: its challenge was that session's, and used.
    const replayed = await again.post('/sign-in/mfa/security-key', { credential: goodAssertion });
    assert.equal(replayed.statusCode, 400);
    assert.match((await auditOf(replayed))[0]?.reason ?? '', /^security key: assertion refused: .*challenge/i);
    const clone = await again.post('/sign-in/mfa/security-key', { credential: JSON.stringify(person.key.assert(optionsIn(replayed.body).challenge, { counter: 9 })) });
    assert.equal(clone.statusCode, 400);
    assert.match((await auditOf(clone))[0]?.reason ?? '', /^security key: signature counter did not increase \(possible cloned key\)$/);
    const replayedChallenge = await again.post('/sign-in/mfa/security-key', { credential: JSON.stringify(person.key.assert(optionsIn(clone.body).challenge, { counter: 11 })) });
    assert.equal(replayedChallenge.statusCode, 303, 'the real key still works');
  });

  test('five refused keys lock the account like five wrong codes; a cancelled prompt does not count', async () => {
    const person = await aPersonWithAKey();
    const session = await atSecondStep(person.email);
    let page = await session.get('/sign-in/mfa');
    const cancelled = await session.post('/sign-in/mfa/security-key', { credential: '' });
    assert.equal(cancelled.statusCode, 400);
    assert.match(cancelled.body, /Use your security key when your browser asks/);
    assert.equal(await failures(person.id), 0);
    page = cancelled;
    for (let n = 0; n < t.config.signIn.maxFailures; n++) {
      page = await session.post('/sign-in/mfa/security-key', { credential: JSON.stringify(new SoftAuthenticator().assert(optionsIn(page.body).challenge)) });
      assert.equal(page.statusCode, 400);
    }
    const locked = await session.post('/sign-in/mfa/security-key', { credential: JSON.stringify(person.key.assert(optionsIn(page.body).challenge)) });
    assert.equal(locked.statusCode, 400);
    assert.match(locked.body, /locked after too many failed attempts/);
  });

  test('an expired challenge is refused', async () => {
    const person = await aPersonWithAKey();
    const session = await atSecondStep(person.email);
    const challenge = optionsIn((await session.get('/sign-in/mfa')).body).challenge;
    t.clock.advanceMinutes(6);
    const response = await session.post('/sign-in/mfa/security-key', { credential: JSON.stringify(person.key.assert(challenge)) });
    assert.equal(response.statusCode, 400);
    assert.match((await auditOf(response))[0]?.reason ?? '', /^security key: security key challenge expired$/);
  });
});

describe('adding a key needs a recent sign-in', () => {
  test('more than ten minutes after the second factor, the key is refused (and audited) until the person signs in again', async () => {
    const account = await anAccount(t);
    const session = await signInAs(t.app, t.clock, account.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    t.clock.advanceMinutes(11);
    const page = await session.get('/account/security-keys/add');
    assert.match(page.body, /only within 10 minutes of signing in/);
    const refused = await session.post('/account/security-keys/add', { nickname: 'Borrowed key', credential: JSON.stringify(new SoftAuthenticator().register(optionsIn(page.body).challenge)) });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Sign out, sign in again and then add the key/);
    assert.deepEqual((await auditOf(refused)).map((e) => [e.action, e.outcome, e.reason]), [['update', 'refused', 'security key not added: sign-in not recent']]);
    assert.equal((await session.get('/account/security-keys')).body.includes('Borrowed key'), false);
  });
});
