import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { HttpSession, signInAs } from '../../test/http-session.js';
import { anAccount, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { totpCode } from './totp.js';

let t: TestApp;
before(async () => {
  t = await buildTestApp();
});
after(async () => {
  await t.close();
});

describe('signing in with a password and a security code', () => {
  test('a vetted practitioner signs in with password and TOTP code and sees the home page', async () => {
    const { email } = await anAccount(t);
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const home = await session.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Find out who is working with a child/);
    assert.match(home.body, /Signed in as/);
  });

  test('the home page is not reachable before the security code is entered', async () => {
    const { email } = await anAccount(t);
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    const step = await session.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.equal(step.headers.location, '/sign-in/mfa');
    const home = await session.get('/');
    assert.equal(home.statusCode, 302);
    assert.equal(home.headers.location, '/sign-in');
  });

  test('a wrong password and an unknown email get the same message', async () => {
    const { email } = await anAccount(t);
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    const wrong = await session.post('/sign-in', { email, password: 'not the password' });
    const unknown = await session.post('/sign-in', { email: 'nobody@nowhere.test', password: 'whatever it is' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(unknown.statusCode, 400);
    assert.match(wrong.body, /Enter a correct email address and password/);
    assert.match(unknown.body, /Enter a correct email address and password/);
    assert.match(wrong.body, /govuk-error-summary/);
  });

  test('empty fields are named in the error summary', async () => {
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    const response = await session.post('/sign-in', { email: '', password: '' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Enter your work email address/);
    assert.match(response.body, /Enter your password/);
    assert.match(response.body, /href="#email"/);
  });

  test('five wrong passwords lock the account, even against the right password', async () => {
    const { email } = await anAccount(t);
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    for (let i = 0; i < 5; i++) await session.post('/sign-in', { email, password: `wrong password ${i}` });
    const locked = await session.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.equal(locked.statusCode, 400);
    assert.match(locked.body, /locked after too many failed attempts/);
    t.clock.advanceMinutes(16);
    const later = await session.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.equal(later.headers.location, '/sign-in/mfa');
  });

  test('a security code cannot be used twice', async () => {
    const { email } = await anAccount(t);
    await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const second = new HttpSession(t.app);
    await second.get('/sign-in');
    await second.post('/sign-in', { email, password: TEST_PASSWORD });
    await second.get('/sign-in/mfa');
    const replay = await second.post('/sign-in/mfa', { code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.equal(replay.statusCode, 400);
    assert.match(replay.body, /Enter the current 6-digit code/);
    t.clock.advanceMinutes(1);
    const fresh = await second.post('/sign-in/mfa', { code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.equal(fresh.headers.location, '/');
  });

  test('a wrong security code is refused', async () => {
    const { email } = await anAccount(t);
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    await session.post('/sign-in', { email, password: TEST_PASSWORD });
    await session.get('/sign-in/mfa');
    const current = totpCode(TEST_TOTP_SECRET, t.clock.now());
    const wrong = current === '000000' ? '111111' : '000000';
    const response = await session.post('/sign-in/mfa', { code: wrong });
    assert.equal(response.statusCode, 400);
  });
});

describe('vetting stops access when it lapses', () => {
  test('a practitioner whose DBS check is over 3 years old is refused with a clear reason', async () => {
    const { email } = await anAccount(t, 'dbs-lapsed');
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    const response = await session.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /enhanced DBS check was done on .* and lapsed on/);
    assert.match(response.body, /administrator to record the renewal/);
  });

  test('lapsed training is refused too', async () => {
    const { email } = await anAccount(t, 'training-lapsed');
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    const response = await session.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.match(response.body, /training was completed on/);
  });

  test('a DBS check about to lapse shows a warning on the home page', async () => {
    const { email } = await anAccount(t, 'dbs-expiring-soon');
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const home = await session.get('/');
    assert.match(home.body, /Your enhanced DBS check lapses on/);
  });

  test('a session ends the moment vetting lapses', async () => {
    const { email } = await anAccount(t, 'dbs-expiring-soon');
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    t.clock.advanceMinutes(12 * 24 * 60); // 12 days later the DBS check has lapsed
    // Keep the session fresh so only vetting can end it.
    const home = await session.get('/');
    assert.equal(home.statusCode, 302);
    t.clock.advanceMinutes(-12 * 24 * 60);
  });

  test('an account unused for 90 days is suspended until an administrator reinstates it', async () => {
    const { email } = await anAccount(t);
    await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    t.clock.advanceMinutes(89 * 24 * 60);
    await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    t.clock.advanceMinutes(90 * 24 * 60);
    const dormant = new HttpSession(t.app);
    await dormant.get('/sign-in');
    const refused = await dormant.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /suspended because it was not used for 90 days/);
    assert.equal((await t.services.users.list()).find((u) => u.email === email)?.status, 'suspended (unused)');
    await t.services.users.reinstate(email);
    await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    t.clock.advanceMinutes(-179 * 24 * 60);
  });

  test('a disabled account cannot sign in and its sessions end', async () => {
    const { email } = await anAccount(t);
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    await t.services.users.disable(email);
    assert.equal((await session.get('/')).statusCode, 302);
    const again = new HttpSession(t.app);
    await again.get('/sign-in');
    const response = await again.post('/sign-in', { email, password: TEST_PASSWORD });
    assert.match(response.body, /Your account has been disabled/);
  });
});

describe('sessions', () => {
  test('an idle session expires after 30 minutes', async () => {
    const { email } = await anAccount(t);
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    t.clock.advanceMinutes(29);
    assert.equal((await session.get('/')).statusCode, 200);
    t.clock.advanceMinutes(31);
    assert.equal((await session.get('/')).statusCode, 302);
  });

  test('a busy session still ends after the absolute limit of 10 hours', async () => {
    const { email } = await anAccount(t);
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    for (let hour = 0; hour < 10; hour++) {
      t.clock.advanceMinutes(25);
      await session.get('/');
      t.clock.advanceMinutes(25);
      await session.get('/');
      t.clock.advanceMinutes(10);
    }
    assert.equal((await session.get('/')).statusCode, 302);
  });

  test('the session id changes when sign-in completes (no session fixation)', async () => {
    const { email } = await anAccount(t);
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    await session.post('/sign-in', { email, password: TEST_PASSWORD });
    const planted = session.cookies.get('signpost_session');
    assert.ok(planted);
    await session.get('/sign-in/mfa');
    await session.post('/sign-in/mfa', { code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    const after = session.cookies.get('signpost_session');
    assert.ok(after);
    assert.notEqual(after, planted);
    // The pre-MFA id is dead: someone holding it gets nothing.
    const attacker = new HttpSession(t.app);
    attacker.cookies.set('signpost_session', planted);
    assert.equal((await attacker.get('/')).statusCode, 302);
  });

  test('signing out ends the session on the server, not just in the browser', async () => {
    const { email } = await anAccount(t);
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const token = session.cookies.get('signpost_session')!;
    await session.get('/');
    const out = await session.post('/sign-out', {});
    assert.equal(out.headers.location, '/signed-out');
    const replay = new HttpSession(t.app);
    replay.cookies.set('signpost_session', token);
    assert.equal((await replay.get('/')).statusCode, 302);
  });

  test('a form post without the CSRF token is refused', async () => {
    const { email } = await anAccount(t);
    const session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const response = await session.request({
      method: 'POST',
      url: '/sign-out',
      payload: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /This form has expired/);
    assert.equal((await session.get('/')).statusCode, 200);
  });

  test('session cookies are HttpOnly and SameSite', async () => {
    const { email } = await anAccount(t);
    const session = new HttpSession(t.app);
    await session.get('/sign-in');
    const response = await session.post('/sign-in', { email, password: TEST_PASSWORD });
    const cookie = response.cookies.find((c) => c.name === 'signpost_session');
    assert.ok(cookie?.httpOnly);
    assert.equal(cookie.sameSite, 'Lax');
  });
});
