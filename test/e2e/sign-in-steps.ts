import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { totpCode } from '../../src/accounts/totp.js';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../src/demo/demo-accounts.js';
import { accessibilityViolations, describeViolations } from './browser.js';

/** A page that collects CSP violations and script errors, for the test to assert there were none. */
export async function newPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // Pages answered with 400/404 on purpose are fine; CSP violations and script errors are not.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems };
}

export async function assertAccessible(page: Page, what: string): Promise<void> {
  const violations = await accessibilityViolations(page);
  assert.equal(violations.length, 0, `${what} has accessibility problems:\n${describeViolations(violations)}`);
}

/** A demo account's current code, waiting for a fresh TOTP step if this test file used this one. */
let lastStep = 0;
export async function freshCode(): Promise<string> {
  let step = Math.floor(Date.now() / 30_000);
  if (step <= lastStep) {
    await new Promise((resolve) => setTimeout(resolve, (lastStep + 1) * 30_000 - Date.now() + 50));
    step = Math.floor(Date.now() / 30_000);
  }
  lastStep = step;
  return totpCode(DEMO_TOTP_SECRET, new Date());
}

/** The password step for a demo account, leaving the page at the second step. */
export async function enterPassword(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Work email address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Signs a demo account in with its password and a fresh authenticator code. */
export async function signInWithCode(page: Page, baseUrl: string, email: string): Promise<void> {
  await enterPassword(page, baseUrl, email);
  await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(await freshCode());
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, '/');
}
