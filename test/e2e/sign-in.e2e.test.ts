import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { totpCode } from '../../src/accounts/totp.js';
import { DEMO_PASSWORD } from '../../src/demo/demo-accounts.js';
import { assertShown, launchBrowser } from './browser.js';
import { startLiveServer, type LiveServer } from './live-server.js';
import { assertAccessible, freshCode, newPage } from './sign-in-steps.js';

let server: LiveServer;
let browser: Browser;

before(async () => {
  server = await startLiveServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await server.close();
});

describe('signing in through a real browser', () => {
  test('a school safeguarding lead signs in with a password and a code; every page passes axe', async () => {
    const context = await browser.newContext();
    const { page, problems } = await newPage(context);
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/sign-in$/);
    await assertAccessible(page, 'sign-in page');

    // Submitting empty shows the GOV.UK error summary, which must be accessible too.
    await page.getByRole('button', { name: 'Continue' }).click();
    await assertShown(page.locator('.govuk-error-summary'));
    await assertAccessible(page, 'sign-in page with errors');

    await page.getByLabel('Work email address').fill('dsl@school.demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(page.url(), /\/sign-in\/mfa$/);
    await assertAccessible(page, 'security code page');

    await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(await freshCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    await assertShown(page.getByRole('heading', { name: 'Find out who is working with a child' }));
    await assertShown(page.getByText('Grace Whitfield').first());
    await assertAccessible(page, 'home page');

    await page.getByRole('button', { name: 'Find a child' }).click();
    assert.equal(new URL(page.url()).pathname, '/children/search');
    await assertAccessible(page, 'search page');
    await page.getByRole('button', { name: 'Search' }).click();
    await assertShown(page.locator('.govuk-error-summary'));
    await assertAccessible(page, 'search page with errors');
    await page.getByLabel('A safeguarding concern about this child').check();
    await page.getByLabel('Last name').fill('Nobodyatall');
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('2014');
    await page.getByRole('button', { name: 'Search' }).click();
    await assertShown(page.getByRole('heading', { name: 'No child found' }));
    await assertAccessible(page, 'search results page');

    await page.goto(`${server.url}/no-such-page`);
    await assertShown(page.getByRole('heading', { name: 'Page not found' }));
    await assertAccessible(page, '404 page');

    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    assert.match(page.url(), /\/signed-out$/);
    await assertAccessible(page, 'signed-out page');
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/sign-in$/);

    assert.deepEqual(problems, [], 'no CSP violations or script errors');
    await context.close();
  });

  test('a new starter sets up an authenticator from the QR code page; the page passes axe', async () => {
    const context = await browser.newContext();
    const { page, problems } = await newPage(context);
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Work email address').fill('new.starter@manchester.demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(page.url(), /\/sign-in\/mfa\/setup$/);
    await assertShown(page.getByRole('img', { name: /QR code/ }));
    await assertAccessible(page, 'authenticator set-up page');
    await page.getByText('I cannot scan the QR code').click();
    const secret = (await page.locator('#setup-key').textContent())!.trim();
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, new Date()));
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('sign-in works with JavaScript turned off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Work email address').fill('mash.officer@police.demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(await freshCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    await assertShown(page.getByText('DC Tom Hughes').first());
    await context.close();
  });

  test('an expired form shows an accessible GOV.UK error page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await context.clearCookies();
    await page.getByLabel('Work email address').fill('dsl@school.demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await assertShown(page.getByText('This form has expired'));
    await assertAccessible(page, 'error page');
    await context.close();
  });
});
