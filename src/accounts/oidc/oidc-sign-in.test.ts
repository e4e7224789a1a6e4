import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../../test/build-test-app.js';
import { HttpSession } from '../../../test/http-session.js';
import { anAccount, TEST_PASSWORD, type AccountState } from '../../../test/factories/accounts.js';
import { startTestIdentityProvider, type TestIdentity, type TestIdentityProvider } from '../../../test/oidc/test-identity-provider.js';
import { sha256 } from '../../platform/crypto/tokens.js';
import { SSO_REFUSED } from './oidc-sign-in.service.js';

const REDIRECT_URI = 'http://localhost:3000/sign-in/sso/callback';
const TENANT = randomUUID();
const OTHER_TENANT = randomUUID();
/** Short enough that moving the app's clock on a few minutes expires it, long enough for a test. */
const ID_TOKEN_TTL_SECONDS = 120;

let idp: TestIdentityProvider;
let t: TestApp;

function ssoEnv(provider: TestIdentityProvider, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SIGNPOST_OIDC_ISSUER: provider.issuer,
    SIGNPOST_OIDC_CLIENT_ID: provider.signpost.clientId,
    SIGNPOST_OIDC_CLIENT_SECRET: provider.signpost.clientSecret,
    SIGNPOST_OIDC_REDIRECT_URI: REDIRECT_URI,
    SIGNPOST_OIDC_ALLOWED_TENANTS: `${TENANT}, ${randomUUID()}`,
    ...extra,
  };
}

before(async () => {
  idp = await startTestIdentityProvider({ redirectUri: REDIRECT_URI, idTokenTtlSeconds: ID_TOKEN_TTL_SECONDS });
  // The app's clock starts at the real time: the provider signs tokens with the real time.
  t = await buildTestApp({ now: new Date().toISOString(), env: ssoEnv(idp) });
});
after(async () => {
  await t.close();
  await idp.close();
});

/** A practitioner whose Signpost account is linked to their identity at the provider. */
async function aLinkedPerson(state: AccountState = 'vetted', identity: Partial<TestIdentity> = {}, app: TestApp = t) {
  const { email, id } = await anAccount(app, state);
  const full: TestIdentity = { tid: TENANT, oid: randomUUID(), amr: ['pwd', 'mfa'], email, name: 'Test Person', ...identity };
  await app.services.users.linkSso(email, full.tid, full.oid);
  return { email, userId: id, accountId: idp.addIdentity(full) };
}

/** Clicks "Sign in with your organisation's account": returns where Signpost sends the browser. */
async function startSso(session: HttpSession, app: TestApp = t): Promise<URL> {
  app.clock.set(new Date());
  const start = await session.get('/sign-in/sso');
  assert.equal(start.statusCode, 303, start.body);
  const location = new URL(String(start.headers.location));
  assert.equal(location.origin, idp.issuer);
  return location;
}

function returnTo(session: HttpSession, url: URL): Promise<LightMyRequestResponse> {
  return session.get(url.pathname + url.search);
}

/** The whole journey: Signpost → provider (log in as `accountId`) → Signpost's callback. */
async function signInWithSso(accountId: string, session = new HttpSession(t.app)) {
  const authorisation = await startSso(session);
  const back = await idp.logIn(authorisation.href, accountId);
  assert.ok(back.searchParams.get('code'), `the provider returned no code: ${back.search}`);
  const response = await returnTo(session, back);
  return { session, authorisation, back, response };
}

async function auditOf(response: LightMyRequestResponse, app: TestApp = t) {
  const requestId = String(response.headers['x-request-id']);
  return app.database.db.selectFrom('audit_entries').selectAll().where('request_id', '=', requestId).execute();
}

/** Refused with the one generic page, no session, and one `sign_in_failed` entry whose reason matches. */
async function assertRefused(response: LightMyRequestResponse, reason: RegExp, app: TestApp = t): Promise<void> {
  assert.equal(response.statusCode, 403, response.body);
  assert.match(response.body, /You could not be signed in/);
  assert.ok(response.body.includes(SSO_REFUSED.replace(/'/g, '&#39;')), 'the generic refusal message');
  assert.ok(!response.cookies.some((c) => c.name === 'signpost_session' && c.value !== ''), 'no session cookie');
  const entries = await auditOf(response, app);
  assert.equal(entries.length, 1, JSON.stringify(entries));
  const [entry] = entries;
  assert.equal(entry!.action, 'sign_in_failed');
  assert.equal(entry!.outcome, 'refused');
  assert.equal(entry!.basis, 'oidc');
  assert.match(entry!.reason ?? '', reason);
}

describe('signing in with an organisation account (OpenID Connect)', () => {
  test('a linked, vetted practitioner signs in through their provider and reaches the home page without a TOTP step', async () => {
    const person = await aLinkedPerson();
    const { session, authorisation, response } = await signInWithSso(person.accountId);
    assert.equal(authorisation.searchParams.get('response_type'), 'code');
    assert.equal(authorisation.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorisation.searchParams.get('state') && authorisation.searchParams.get('nonce') && authorisation.searchParams.get('code_challenge'));
    assert.equal(authorisation.searchParams.get('redirect_uri'), REDIRECT_URI);

    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/');
    const home = await session.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Signed in as/);

    const sessions = await t.database.db.selectFrom('sessions').select(['stage', 'ended_at']).where('user_id', '=', person.userId).execute();
    assert.deepEqual(sessions.map((s) => [s.stage, s.ended_at]), [['active', null]]);
    const [entry, ...others] = await auditOf(response);
    assert.equal(others.length, 0);
    assert.equal(entry!.action, 'sign_in');
    assert.equal(entry!.outcome, 'allowed');
    assert.equal(entry!.basis, 'oidc');
    assert.equal(entry!.actor_user_id, person.userId);
    const account = await t.database.db.selectFrom('users').select('last_signed_in_at').where('id', '=', person.userId).executeTakeFirstOrThrow();
    assert.ok(account.last_signed_in_at, 'the sign-in counts against dormancy');
  });

  test('the browser-binding cookie is HttpOnly, SameSite=Lax, short-lived, and cleared when the browser returns', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    t.clock.set(new Date());
    const start = await session.get('/sign-in/sso');
    const cookie = start.cookies.find((c) => c.name === 'signpost_sso');
    assert.ok(cookie?.httpOnly);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.maxAge, 600);
    const back = await idp.logIn(String(start.headers.location), person.accountId);
    const response = await returnTo(session, back);
    assert.equal(response.statusCode, 303);
    assert.ok(!session.cookies.has('signpost_sso'));
  });

  test('the session id is new when SSO completes: a session planted before is dead (no fixation)', async () => {
    const password = await anAccount(t);
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    await session.post('/sign-in', { email: password.email, password: TEST_PASSWORD });
    const planted = session.cookies.get('signpost_session');
    assert.ok(planted);
    const { response } = await signInWithSso(person.accountId, session);
    assert.equal(response.statusCode, 303);
    const after = session.cookies.get('signpost_session');
    assert.ok(after);
    assert.notEqual(after, planted);
    const attacker = new HttpSession(t.app);
    attacker.cookies.set('signpost_session', planted);
    assert.equal((await attacker.get('/sign-in/mfa')).statusCode, 302);
  });

  test('an identity from a tenant that is not allowed is refused', async () => {
    const person = await aLinkedPerson('vetted', { tid: OTHER_TENANT });
    const { response } = await signInWithSso(person.accountId);
    await assertRefused(response, /^tenant not allowed/);
  });

  test('a token without multi-factor authentication (amr: pwd) is refused', async () => {
    const person = await aLinkedPerson('vetted', { amr: ['pwd'] });
    const { response } = await signInWithSso(person.accountId);
    await assertRefused(response, /^no multi-factor authentication asserted/);
  });

  test('an acr value is not enough unless it is configured as accepted', async () => {
    const person = await aLinkedPerson('vetted', { amr: ['pwd'], acr: 'urn:test:mfa' });
    const { response } = await signInWithSso(person.accountId);
    await assertRefused(response, /^no multi-factor authentication asserted/);
  });

  test('an identity that is not linked to any account is refused with the same page', async () => {
    const accountId = idp.addIdentity({ tid: TENANT, oid: randomUUID(), amr: ['pwd', 'mfa'], email: 'someone@council.test', name: 'Someone' });
    const { response } = await signInWithSso(accountId);
    await assertRefused(response, /^no account linked to this identity$/);
    assert.doesNotMatch(response.body, /tenant|linked|multi-factor|amr|account exists/i);
  });

  test('an account is found by tenant and object id, never by email', async () => {
    const person = await aLinkedPerson();
    // Same email as a linked account, different object id: someone else who was given the mailbox.
    const accountId = idp.addIdentity({ tid: TENANT, oid: randomUUID(), amr: ['pwd', 'mfa'], email: person.email, name: 'New Holder' });
    const { response } = await signInWithSso(accountId);
    await assertRefused(response, /^no account linked/);
  });

  test('a practitioner whose vetting has lapsed is refused, told why, and the refusal is audited', async () => {
    const person = await aLinkedPerson('dbs-lapsed');
    const { response, session } = await signInWithSso(person.accountId);
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /enhanced DBS check was done on .* and lapsed on/);
    assert.equal((await session.get('/')).statusCode, 302);
    const [entry] = await auditOf(response);
    assert.equal(entry!.action, 'sign_in_failed');
    assert.equal(entry!.basis, 'oidc');
    assert.equal(entry!.reason, 'vetting lapsed');
    assert.equal(entry!.actor_user_id, person.userId);
  });

  test('a disabled account is refused', async () => {
    const person = await aLinkedPerson();
    await t.services.users.disable(person.email);
    const { response } = await signInWithSso(person.accountId);
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /Your account has been disabled/);
    const [entry] = await auditOf(response);
    assert.equal(entry!.reason, 'account disabled');
  });
});

describe('tampered, replayed and stale responses are refused', () => {
  test('a code issued to another client (wrong audience) is refused', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    const authorisation = await startSso(session);
    // The same request, state, nonce and PKCE challenge, but for another service's client id.
    const forOther = new URL(authorisation);
    forOther.searchParams.set('client_id', idp.otherService.clientId);
    const back = await idp.logIn(forOther.href, person.accountId);
    assert.ok(back.searchParams.get('code'));
    const response = await returnTo(session, back);
    await assertRefused(response, /^token request refused by the provider \(invalid_grant\)$/);
  });

  test('replaying the callback after a successful sign-in is refused', async () => {
    const person = await aLinkedPerson();
    const { session, back, response } = await signInWithSso(person.accountId);
    assert.equal(response.statusCode, 303);
    const replay = await returnTo(session, back);
    await assertRefused(replay, /^no sign-in in progress/);
  });

  test('a used code is refused even inside a fresh sign-in with valid state', async () => {
    const person = await aLinkedPerson();
    const first = await signInWithSso(person.accountId);
    assert.equal(first.response.statusCode, 303);
    const second = new HttpSession(t.app);
    const authorisation = await startSso(second);
    const replay = new URL(first.back);
    replay.searchParams.set('state', authorisation.searchParams.get('state')!);
    const response = await returnTo(second, replay);
    await assertRefused(response, /^token request refused by the provider \(invalid_grant\)$/);
  });

  test('a callback taken to another browser (no binding cookie) is refused', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    const back = await idp.logIn((await startSso(session)).href, person.accountId);
    const attacker = new HttpSession(t.app);
    const response = await returnTo(attacker, back);
    await assertRefused(response, /^no sign-in in progress/);
    // …and the victim's own sign-in still works: the attacker's attempt consumed nothing of theirs.
    assert.equal((await returnTo(session, back)).statusCode, 303);
  });

  test('a changed state is refused, and the sign-in in progress cannot be retried', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    const back = await idp.logIn((await startSso(session)).href, person.accountId);
    const tampered = new URL(back);
    tampered.searchParams.set('state', 'attacker-state');
    await assertRefused(await returnTo(session, tampered), /^state mismatch$/);
    await assertRefused(await returnTo(session, back), /^no sign-in in progress/);
  });

  test('an ID token whose nonce is not the one this browser sent is refused', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    const back = await idp.logIn((await startSso(session)).href, person.accountId);
    const browserKey = session.cookies.get('signpost_sso');
    assert.ok(browserKey);
    const updated = await t.database.db.updateTable('oidc_sign_in_attempts').set({ nonce: 'a-nonce-from-another-sign-in' })
      .where('browser_key_hash', '=', sha256(browserKey)).executeTakeFirst();
    assert.equal(Number(updated.numUpdatedRows), 1);
    await assertRefused(await returnTo(session, back), /^ID token nonce mismatch$/);
  });

  test('an expired ID token is refused', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    const back = await idp.logIn((await startSso(session)).href, person.accountId);
    // Past the token's lifetime and openid-client's 30 s tolerance, within the 10 minutes allowed
    // for the round trip: only the token's expiry can fail.
    t.clock.advanceMinutes(5);
    await assertRefused(await returnTo(session, back), /^ID token expired$/);
  });

  test('a sign-in left for more than 10 minutes is refused', async () => {
    const person = await aLinkedPerson();
    const session = new HttpSession(t.app);
    const back = await idp.logIn((await startSso(session)).href, person.accountId);
    t.clock.advanceMinutes(11);
    await assertRefused(await returnTo(session, back), /^sign-in in progress expired$/);
  });

  test('an error from the provider (the person cancelled) is refused', async () => {
    const session = new HttpSession(t.app);
    const authorisation = await startSso(session);
    const back = new URL(REDIRECT_URI);
    back.search = new URLSearchParams({ error: 'access_denied', state: authorisation.searchParams.get('state')!, iss: idp.issuer }).toString();
    await assertRefused(await returnTo(session, back), /^provider returned an error \(access_denied\)$/);
  });
});

describe('the sign-in page and account links', () => {
  test('the sign-in page offers the organisation account as a secondary button above the password form', async () => {
    const page = await new HttpSession(t.app).get('/sign-in');
    const button = page.body.indexOf("Sign in with your organisation&#39;s account");
    assert.ok(button > 0, 'the SSO button');
    assert.match(page.body, /<a href="\/sign-in\/sso"[^>]*class="govuk-button govuk-button--secondary"/);
    assert.ok(button < page.body.indexOf('<form method="post" action="/sign-in"'), 'above the password form');
  });

  test('with no issuer configured there is no button and no SSO route', async () => {
    const plain = await buildTestApp();
    try {
      const page = await new HttpSession(plain.app).get('/sign-in');
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /organisation&#39;s account|\/sign-in\/sso/);
      assert.equal((await new HttpSession(plain.app).get('/sign-in/sso')).statusCode, 404);
    } finally {
      await plain.close();
    }
  });

  test('when the provider cannot be reached, the person is told to use their password for now', async () => {
    const down = await buildTestApp({ env: ssoEnv(idp, { SIGNPOST_OIDC_ISSUER: 'http://127.0.0.1:9' }) });
    try {
      const response = await new HttpSession(down.app).get('/sign-in/sso');
      assert.equal(response.statusCode, 503);
      assert.match(response.body, /not working at the moment/);
      assert.ok(!response.cookies.some((c) => c.name === 'signpost_sso'));
      const attempts = await down.database.db.selectFrom('oidc_sign_in_attempts').select('state').execute();
      assert.equal(attempts.length, 0);
    } finally {
      await down.close();
    }
  });

  test('an acr value configured as accepted stands in for amr', async () => {
    const withAcr = await buildTestApp({ now: new Date().toISOString(), env: ssoEnv(idp, { SIGNPOST_OIDC_ACCEPTED_ACR: 'urn:test:mfa' }) });
    try {
      const person = await aLinkedPerson('vetted', { amr: ['pwd'], acr: 'urn:test:mfa' }, withAcr);
      const session = new HttpSession(withAcr.app);
      const back = await idp.logIn((await startSso(session, withAcr)).href, person.accountId);
      const response = await returnTo(session, back);
      assert.equal(response.statusCode, 303, response.body);
      assert.equal((await session.get('/')).statusCode, 200);
    } finally {
      await withAcr.close();
    }
  });

  test('one identity links to one account only', async () => {
    const first = await anAccount(t);
    const second = await anAccount(t);
    const oid = randomUUID();
    await t.services.users.linkSso(first.email, TENANT, oid);
    await assert.rejects(t.services.users.linkSso(second.email, TENANT, oid), { code: 'conflict' });
    await t.services.users.linkSso(first.email, TENANT, oid); // re-linking the same account is fine
    await assert.rejects(t.services.users.linkSso(second.email, TENANT, 'not a guid!'), { code: 'validation-failed' });
    await assert.rejects(t.services.users.linkSso('nobody@nowhere.test', TENANT, randomUUID()), { code: 'not-found' });
  });

  test('a provider naming the tenant and person differently (NHS CIS2-style) works once the claim names are configured', async () => {
    const cis2 = await startTestIdentityProvider({ redirectUri: REDIRECT_URI, extraClaims: ['org_code', 'uid'] });
    const app = await buildTestApp({ now: new Date().toISOString(), env: { ...ssoEnv(cis2), SIGNPOST_OIDC_TENANT_CLAIM: 'org_code', SIGNPOST_OIDC_SUBJECT_CLAIM: 'uid' } });
    try {
      const { email, id } = await anAccount(app, 'vetted');
      const uid = '555012345678';
      await app.services.users.linkSso(email, TENANT, uid);
      // tid and oid are present but name someone else: only the configured claims identify the person.
      const base = { tid: OTHER_TENANT, oid: randomUUID(), amr: ['pwd', 'mfa'], email, name: 'Test Person' };
      const person = cis2.addIdentity({ ...base, claims: { org_code: TENANT, uid } });
      const session = new HttpSession(app.app);
      app.clock.set(new Date());
      const back = await cis2.logIn(String((await session.get('/sign-in/sso')).headers.location), person);
      const response = await returnTo(session, back);
      assert.equal(response.statusCode, 303, response.body);
      assert.equal((await session.get('/')).statusCode, 200);
      const [entry] = await auditOf(response, app);
      assert.equal(entry!.action, 'sign_in');
      assert.equal(entry!.actor_user_id, id);

      const noOrg = cis2.addIdentity({ ...base, tid: TENANT, claims: { uid } });
      const other = new HttpSession(app.app);
      const refusedBack = await cis2.logIn(String((await other.get('/sign-in/sso')).headers.location), noOrg);
      await assertRefused(await returnTo(other, refusedBack), /^ID token has no tenant \(org_code\)$/, app);
    } finally {
      await app.close();
      await cis2.close();
    }
  });
});
