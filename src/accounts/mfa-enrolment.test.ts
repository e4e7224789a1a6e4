import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { HttpSession } from '../../test/http-session.js';
import { anAccount, TEST_PASSWORD } from '../../test/factories/accounts.js';
import { totpCode } from './totp.js';

let t: TestApp;
before(async () => {
  t = await buildTestApp();
});
after(async () => {
  await t.close();
});

test('a new starter sets up an authenticator app from a QR code at first sign-in, then signs in with it', async () => {
  const { email } = await anAccount(t, 'not-enrolled');
  const session = new HttpSession(t.app);
  await session.get('/sign-in');
  const step = await session.post('/sign-in', { email, password: TEST_PASSWORD });
  assert.equal(step.headers.location, '/sign-in/mfa/setup');
  // Skipping ahead is not possible.
  assert.equal((await session.get('/')).statusCode, 302);
  const setup = await session.get('/sign-in/mfa/setup');
  assert.equal(setup.statusCode, 200);
  assert.match(setup.body, /<svg/);
  const secret = /id="setup-key">([A-Z2-7]+)</.exec(setup.body)?.[1];
  assert.ok(secret, 'the setup key is shown for people who cannot scan');
  // Reloading shows the same key, so an app set up from the first view still works.
  assert.ok((await session.get('/sign-in/mfa/setup')).body.includes(secret));
  const wrong = await session.post('/sign-in/mfa/setup', { code: '12345' });
  assert.equal(wrong.statusCode, 400);
  const done = await session.post('/sign-in/mfa/setup', { code: totpCode(secret, t.clock.now()) });
  assert.equal(done.headers.location, '/');
  assert.equal((await session.get('/')).statusCode, 200);

  // Next time: the code challenge, not enrolment.
  t.clock.advanceMinutes(1);
  const next = new HttpSession(t.app);
  await next.get('/sign-in');
  assert.equal((await next.post('/sign-in', { email, password: TEST_PASSWORD })).headers.location, '/sign-in/mfa');
});

test('the TOTP secret is stored encrypted, bound to its account', async () => {
  const { email } = await anAccount(t, 'not-enrolled');
  const session = new HttpSession(t.app);
  await session.get('/sign-in');
  await session.post('/sign-in', { email, password: TEST_PASSWORD });
  const setup = await session.get('/sign-in/mfa/setup');
  const secret = /id="setup-key">([A-Z2-7]+)</.exec(setup.body)![1]!;
  const { rows } = await sql<{ totp_secret: Buffer }>`SELECT totp_secret FROM users WHERE email = ${email}`.execute(t.database.db);
  assert.ok(rows[0]?.totp_secret);
  assert.ok(!rows[0].totp_secret.toString('latin1').includes(secret));
});

test('an administrator can reset MFA, and the person enrols again', async () => {
  const { email } = await anAccount(t);
  await t.services.users.resetMfa(email);
  const session = new HttpSession(t.app);
  await session.get('/sign-in');
  assert.equal((await session.post('/sign-in', { email, password: TEST_PASSWORD })).headers.location, '/sign-in/mfa/setup');
});
