import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { sql } from 'kysely';
import { assertShown, launchBrowser } from './browser.js';
import { startLiveServer, type LiveServer } from './live-server.js';
import { assertAccessible, newPage, signInWithCode } from './sign-in-steps.js';

let server: LiveServer;
let browser: Browser;

/**
 * A feed from another agency sends a Leeds child it knows at a new address: close enough to
 * queue for review, not close enough to link on its own.
 */
async function aQueuedPair(): Promise<void> {
  const { services, database } = server;
  const leeds = await services.organisations.requireByCode('LEE');
  const feed = { kind: 'api-client', clientId: 'e2e-feed', organisationId: leeds.id, sourceSystems: ['e2e-feed'] } as const;
  const { rows } = await sql<{ id: string }>`SELECT id FROM children WHERE responsible_council_id = ${leeds.id} AND NOT shielded AND NOT unborn ORDER BY id LIMIT 20`.execute(database.db);
  for (const [n, { id }] of rows.entries()) {
    const known = await services.children.read(id);
    if (!known) continue;
    const incoming = await services.childRecords.upsertFromSource(feed, { system: 'e2e-feed', id: `F-${String(n)}` }, {
      givenNames: known.identity.givenNames, familyName: known.identity.familyName, dateOfBirth: known.identity.dateOfBirth, sex: known.sex, nhsNumber: null,
      address: { lines: ['3 Mill Lane'], town: 'Bradford', postcode: 'BD1 2XY' }, recordTrigger: 'early_help', triggerDate: known.triggerDate, responsibleCouncilCode: 'LEE',
    }, null);
    const queued = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM match_review_items WHERE incoming_child_id = ${incoming.childId}`.execute(database.db);
    if (queued.rows[0]!.n > 0) return;
  }
  assert.fail('no demo child gave a pair for review');
}

before(async () => {
  server = await startLiveServer();
  browser = await launchBrowser();
  await aQueuedPair();
});
after(async () => {
  await browser.close();
  await server.close();
});

describe('reviewing possible duplicates in the browser', () => {
  test('a council administrator works the queue by keyboard: compare, decide with a reason, see the match rate; every page passes axe', async () => {
    const context = await browser.newContext();
    const { page, problems } = await newPage(context);
    await signInWithCode(page, server.url, 'admin@leeds.demo.test');

    await page.goto(`${server.url}/match-review`);
    await assertAccessible(page, 'the review queue');
    await page.getByRole('link', { name: 'most likely the same child first' }).click();
    assert.equal(new URL(page.url()).search, '?order=likely');
    await assertAccessible(page, 'the review queue, most likely first');
    await page.getByRole('link', { name: /Compare pair/ }).first().click();
    assert.match(new URL(page.url()).pathname, /^\/match-review\/\d+$/);
    await assertAccessible(page, 'the comparison page');

    // Saving without a decision names both missing answers in the error summary.
    await page.getByRole('button', { name: 'Save decision' }).click();
    await assertShown(page.locator('.govuk-error-summary'));
    await assertAccessible(page, 'the comparison page with errors');

    await page.getByLabel('Different children: keep both').check();
    await page.getByLabel('Reason for your decision').fill('Different middle names and the school confirmed two pupils');
    await page.getByRole('button', { name: 'Save decision' }).press('Enter');
    assert.match(await page.locator('main').innerText(), /Different children/i);
    await assertAccessible(page, 'the decided pair');

    await page.goto(`${server.url}/match-review/match-rate`);
    assert.match(await page.locator('main').innerText(), /95%/);
    await assertAccessible(page, 'the match-rate dashboard');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
