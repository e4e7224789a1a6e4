import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { totpCode } from '../../src/accounts/totp.js';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../src/demo/demo-accounts.js';
import { assertShown, accessibilityViolations, describeViolations, launchBrowser } from './browser.js';
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

async function assertAccessible(page: Page, what: string): Promise<void> {
  const violations = await accessibilityViolations(page);
  assert.equal(violations.length, 0, `${what} has accessibility problems:\n${describeViolations(violations)}`);
}

test('a council administrator uses the account pages in a real browser; every page passes axe', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });

  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Work email address').fill('admin@leeds.demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(totpCode(DEMO_TOTP_SECRET, new Date()));
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, '/');

  await page.getByRole('link', { name: 'Manage accounts' }).click();
  assert.equal(new URL(page.url()).pathname, '/admin/users');
  await assertAccessible(page, 'accounts list');

  await page.getByRole('button', { name: 'Add an account' }).click();
  await assertAccessible(page, 'add an account');
  await page.getByRole('button', { name: 'Add account' }).click();
  await assertShown(page.locator('.govuk-error-summary'));
  await assertAccessible(page, 'add an account with errors');

  await page.getByLabel('Organisation').selectOption({ index: 1 });
  await page.getByLabel('Practitioner', { exact: true }).check();
  await page.getByLabel('Full name').fill('Morgan Test');
  await page.getByLabel('Work email address').fill('morgan.test@leeds.demo.test');
  for (const group of ['dbs', 'training', 'agreement']) {
    await page.locator(`#${group}-day`).fill('2');
    await page.locator(`#${group}-month`).fill('1');
    await page.locator(`#${group}-year`).fill('2026');
  }
  await page.getByRole('button', { name: 'Add account' }).click();
  await assertShown(page.getByRole('heading', { name: 'Account added' }));
  await assertAccessible(page, 'account added');

  await page.getByRole('link', { name: 'View the account' }).click();
  await assertAccessible(page, 'one account');
  await page.getByLabel('MASH officer').check();
  await page.getByRole('button', { name: 'Change role' }).click();
  await assertShown(page.getByText('Role changed.'));
  await assertAccessible(page, 'one account after a change');

  await page.goto(`${server.url}/admin/access-review`);
  await assertAccessible(page, 'access review');
  assert.deepEqual(problems, []);
  await context.close();
});
