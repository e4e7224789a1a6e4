import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCode } from '../../src/accounts/totp.js';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../src/demo/demo-accounts.js';
import { accessibilityViolations, describeViolations, launchBrowser } from './browser.js';
import { startLiveServer, type LiveServer } from './live-server.js';

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

/** A page that fails the test on any CSP violation or script error. */
async function newPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // Pages answered with 400/404 on purpose are fine; CSP violations and script errors are not.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems };
}

async function assertAccessible(page: Page, what: string): Promise<void> {
  const violations = await accessibilityViolations(page);
  assert.equal(violations.length, 0, `${what} has accessibility problems:\n${describeViolations(violations)}`);
}

/** Waits until a fresh TOTP step if the current one was already used in this test run. */
let lastStep = 0;
async function freshCode(): Promise<string> {
  let step = Math.floor(Date.now() / 30_000);
  if (step <= lastStep) {
    await new Promise((resolve) => setTimeout(resolve, (lastStep + 1) * 30_000 - Date.now() + 50));
    step = Math.floor(Date.now() / 30_000);
  }
  lastStep = step;
  return totpCode(DEMO_TOTP_SECRET, new Date());
}

describe('signing in through a real browser', () => {
  test('a school safeguarding lead signs in with a password and a code; every page passes axe', async () => {
    const context = await browser.newContext();
    const { page, problems } = await newPage(context);
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/sign-in$/);
    await assertAccessible(page, 'sign-in page');

    // Submitting empty shows the GOV.UK error summary, which must be accessible too.
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.ok(await page.locator('.govuk-error-summary').isVisible());
    await assertAccessible(page, 'sign-in page with errors');

    await page.getByLabel('Work email address').fill('dsl@school.demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(page.url(), /\/sign-in\/mfa$/);
    await assertAccessible(page, 'security code page');

    await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(await freshCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.ok(await page.getByRole('heading', { name: 'Find out who is working with a child' }).isVisible());
    assert.ok(await page.getByText('Grace Whitfield').first().isVisible());
    await assertAccessible(page, 'home page');

    await page.getByRole('button', { name: 'Find a child' }).click();
    assert.equal(new URL(page.url()).pathname, '/children/search');
    await assertAccessible(page, 'search page');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.ok(await page.locator('.govuk-error-summary').isVisible());
    await assertAccessible(page, 'search page with errors');
    await page.getByLabel('A safeguarding concern about this child').check();
    await page.getByLabel('Last name').fill('Nobodyatall');
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('2014');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.ok(await page.getByRole('heading', { name: 'No child found' }).isVisible());
    await assertAccessible(page, 'search results page');

    await page.goto(`${server.url}/no-such-page`);
    assert.ok(await page.getByRole('heading', { name: 'Page not found' }).isVisible());
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
    assert.ok(await page.getByRole('img', { name: /QR code/ }).isVisible());
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
    assert.ok(await page.getByText('DC Tom Hughes').first().isVisible());
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
    assert.ok(await page.getByText('This form has expired').isVisible());
    await assertAccessible(page, 'error page');
    await context.close();
  });
});
