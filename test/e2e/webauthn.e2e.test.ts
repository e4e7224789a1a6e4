import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertShown, launchBrowser } from './browser.js';
import { startLiveServer, type LiveServer } from './live-server.js';
import { assertAccessible, enterPassword, newPage, signInWithCode } from './sign-in-steps.js';

let server: LiveServer;
let browser: Browser;

before(async () => {
  // WebAuthn refuses IP addresses: the server is reached as http://localhost:<port>.
  server = await startLiveServer({ localhost: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await server.close();
});

const EMAIL = 'health.visitor@nhs.demo.test';

test('a health visitor adds a platform authenticator by keyboard, signs out, and signs in with it instead of a code; every page passes axe', async () => {
  const context = await browser.newContext();
  const { page, problems } = await newPage(context);
  // Chromium's virtual authenticator stands in for a laptop's fingerprint reader.
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });

  await signInWithCode(page, server.url, EMAIL);
  await page.getByRole('link', { name: 'Security keys' }).click();
  assert.equal(new URL(page.url()).pathname, '/account/security-keys');
  await assertShown(page.getByText('You have not added a security key'));
  await assertAccessible(page, 'security keys page');

  await page.getByRole('button', { name: 'Add a security key' }).click();
  assert.equal(new URL(page.url()).pathname, '/account/security-keys/add');
  await assertAccessible(page, 'add a security key page');
  // Submitting without a name shows the GOV.UK error summary; the key is not asked.
  await page.getByRole('button', { name: 'Add security key' }).focus();
  await page.keyboard.press('Enter');
  // The URL does not change (the form posts to itself): wait for the answer's error summary.
  await page.locator('.govuk-error-summary').getByText('Enter a name for your security key').waitFor();
  await assertAccessible(page, 'add a security key page with errors');

  await page.getByLabel('Name for this key').fill('Work laptop');
  await page.getByRole('button', { name: 'Add security key' }).focus();
  await Promise.all([page.waitForURL('**/account/security-keys?done=added'), page.keyboard.press('Enter')]);
  await assertShown(page.getByText('Security key added'));
  await assertShown(page.getByRole('cell', { name: 'Work laptop', exact: true }));
  await assertAccessible(page, 'security keys page with a key');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);

  await page.getByRole('button', { name: 'Sign out' }).click();
  assert.match(page.url(), /\/signed-out$/);

  await enterPassword(page, server.url, EMAIL);
  assert.match(page.url(), /\/sign-in\/mfa$/);
  const useKey = page.getByRole('button', { name: 'Use your security key' });
  await assertShown(useKey, 'offered next to the code form');
  await assertShown(page.getByLabel('Enter the 6-digit code from your authenticator app'));
  await assertAccessible(page, 'security code page with a security key');
  await useKey.focus();
  await Promise.all([page.waitForURL(`${server.url}/`), page.keyboard.press('Enter')]);
  await assertShown(page.getByRole('heading', { name: 'Find out who is working with a child' }));

  // Break-glass takes the key instead of a fresh code; the code button still posts as usual.
  const child = await server.database.db.selectFrom('children').select('id').limit(1).executeTakeFirstOrThrow();
  await page.goto(`${server.url}/children/${child.id}/break-glass`);
  await assertAccessible(page, 'break-glass page with a security key');
  await page.getByLabel('Missing child').check();
  await page.getByLabel('Describe the emergency').fill('Reported missing from home overnight');
  const keyButton = page.getByRole('button', { name: 'Get emergency access with your security key' });
  await keyButton.focus();
  await Promise.all([page.waitForURL(`**/children/${child.id}/case`), page.keyboard.press('Enter')]);
  await assertShown(page.getByText('break-glass').first());

  const entries = await server.database.db.selectFrom('audit_entries').select(['action', 'reason']).where('action', '=', 'sign_in').orderBy('id').execute();
  assert.deepEqual(entries.map((e) => e.reason), ['password and security code', 'password and security key']);
  assert.deepEqual(problems, [], 'no CSP violations or script errors');
  await context.close();
});

test('without JavaScript the security key is not offered and the code form still works', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await enterPassword(page, server.url, EMAIL);
  assert.equal(await page.getByRole('button', { name: 'Use your security key' }).count(), 0, 'hidden without JavaScript');
  await assertShown(page.getByLabel('Enter the 6-digit code from your authenticator app'));
  await context.close();
});
