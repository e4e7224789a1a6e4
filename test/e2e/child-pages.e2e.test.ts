import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { totpCode } from '../../src/accounts/totp.js';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../src/demo/demo-accounts.js';
import { addDays, addMonths, formatDate, ukDate } from '../../src/platform/time/calendar-date.js';
import { assertShown, launchBrowser } from './browser.js';
import { assertAccessible, newPage } from './sign-in-steps.js';
import { startLiveServer, type LiveServer } from './live-server.js';

let server: LiveServer;
let browser: Browser;
let childId: string;
const today = ukDate(new Date());
const child = { givenNames: 'Elspeth', familyName: 'Marchbanks', dateOfBirth: '2016-05-09' };
const leadProfessional = { name: 'Bronwen Ellery-Tate', route: '0113 496 0777' };

before(async () => {
  server = await startLiveServer();
  browser = await launchBrowser();
  // A child known to Leeds with a lead professional at the council and the school's pastoral team.
  const { services, database } = server;
  const leeds = await services.organisations.requireByCode('LEE');
  const school = await services.organisations.requireByCode('SCH-LEE-1');
  const feed = { kind: 'api-client', clientId: 'e2e-setup', organisationId: leeds.id, sourceSystems: [] } as const;
  const input = {
    ...child, sex: 'female', nhsNumber: null, address: { lines: ['3 Kirkstall Road'], town: 'Leeds', postcode: 'LS3 1HS' },
    recordTrigger: 'child_in_need', triggerDate: addMonths(today, -2), responsibleCouncilCode: 'LEE',
    parentsCarers: [{ name: 'Ruth Marchbanks', relationship: 'mother', hasParentalResponsibility: true, phone: '0113 496 0123', email: null }],
  };
  const matches = await services.childRecords.likelyMatches({ givenNames: child.givenNames, familyName: child.familyName, dateOfBirth: child.dateOfBirth, nhsNumber: null });
  ({ childId } = await services.childRecords.create(feed, input, { reviewedMatches: matches.map((m) => m.childId), requestId: null }));
  await database.db.insertInto('practitioners').values({ organisation_id: leeds.id, name: leadProfessional.name, role: 'social_worker', team: 'Assessment', phone: '0113 496 0700', email: null }).execute();
  const practitioner = await database.db.selectFrom('practitioners').select('id').where('name', '=', leadProfessional.name).executeTakeFirstOrThrow();
  await services.involvements.add({
    childId, organisationId: leeds.id, practitionerId: practitioner.id, service: 'Children\'s social care – Assessment team', role: 'allocated_social_worker',
    isLeadProfessional: true, contactRoute: leadProfessional.route, startedOn: addDays(today, -40),
  });
  await services.involvements.add({ childId, organisationId: school.id, service: 'Pastoral team', role: 'designated_safeguarding_lead', startedOn: addDays(today, -30) });
  await services.flags.set({ childId, kind: 'child_in_need', responsibleCouncilId: leeds.id, startedOn: addMonths(today, -2) });
});
after(async () => {
  await browser.close();
  await server.close();
});

/** Headings never skip a level (h1, then h2, then h3 …). */
async function assertHeadingsInOrder(page: Page, what: string): Promise<void> {
  const levels = await page.locator('main h1, main h2, main h3, main h4').evaluateAll((nodes) => (nodes as unknown as { tagName: string }[]).map((n) => Number(n.tagName.slice(1))));
  assert.equal(levels[0], 1, `${what} starts with its h1`);
  for (let i = 1; i < levels.length; i++) assert.ok(levels[i]! <= levels[i - 1]! + 1, `${what}: h${levels[i - 1]} is followed by h${levels[i]}`);
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Work email address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Enter the 6-digit code from your authenticator app').fill(totpCode(DEMO_TOTP_SECRET, new Date()));
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, '/');
}

/** Search with a reason, a misspelt last name and the date of birth. */
async function search(page: Page, reason: string, familyName: string, dateOfBirth: string): Promise<void> {
  await page.goto(`${server.url}/children/search`);
  await page.getByLabel(reason).check();
  await page.getByLabel('Last name').fill(familyName);
  const [year, month, day] = dateOfBirth.split('-');
  await page.getByLabel('Day').fill(String(Number(day)));
  await page.getByLabel('Month').fill(String(Number(month)));
  await page.getByLabel('Year').fill(year!);
  await page.getByRole('button', { name: 'Search' }).click();
}

describe('who is working with a child, through a real browser', () => {
  test('a school safeguarding lead finds a child with a misspelt name and sees who is working with them and how to reach them', async () => {
    const context = await browser.newContext();
    const { page, problems } = await newPage(context);
    await signIn(page, 'dsl@school.demo.test');

    await search(page, 'A safeguarding concern about this child', 'Marchbank', child.dateOfBirth);
    await assertShown(page.getByRole('heading', { name: 'Elspeth Marchbanks' }));
    await assertAccessible(page, 'search results page');
    await assertHeadingsInOrder(page, 'search results page');

    // Keyboard: the button is reached and pressed without a mouse.
    const view = page.getByRole('button', { name: /View who is working with this child \(Elspeth Marchbanks\)/ });
    await view.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/children/${childId}/view`);
    await assertShown(page.getByRole('heading', { level: 1, name: 'Elspeth Marchbanks' }));
    await assertShown(page.getByRole('heading', { name: 'Who is working with this child' }));
    const lead = page.locator('.govuk-summary-card', { hasText: leadProfessional.name });
    await assertShown(lead.getByText('Lead professional'));
    await assertShown(lead.getByText(leadProfessional.route), 'how to reach the lead professional');
    await assertShown(page.locator('.govuk-summary-card', { hasText: 'Pastoral team' }));
    await assertShown(page.getByText(formatDate(child.dateOfBirth)).first());
    await assertAccessible(page, 'signpost page');
    await assertHeadingsInOrder(page, 'signpost page');
    assert.doesNotMatch(await page.content(), /Shield this record/);

    // The reason page, on its own and with its error.
    await page.goto(`${server.url}/children/${childId}`);
    await assertAccessible(page, 'reason page');
    await page.getByRole('button', { name: 'View who is working with this child' }).click();
    await assertShown(page.locator('.govuk-error-summary'));
    await assertAccessible(page, 'reason page with errors');
    await page.getByLabel('The child\'s education, attendance or welfare at school').check();
    await page.getByRole('button', { name: 'View who is working with this child' }).click();
    await assertShown(page.getByRole('heading', { name: 'Who is working with this child' }));

    assert.deepEqual(problems, [], 'no CSP violations or script errors');
    await context.close();
  });

  test('a child not found is recorded after the search: the create page, its errors, a likely match and the confirmation pass axe', async () => {
    const context = await browser.newContext();
    const { page, problems } = await newPage(context);
    await signIn(page, 'mash.officer@police.demo.test');
    await search(page, 'A referral or assessment I am working on', 'Nobodyatall', '2015-02-01');
    await assertShown(page.getByRole('heading', { name: 'No child found' }));
    await assertAccessible(page, 'no results page');
    await page.getByRole('button', { name: 'Create a new record' }).click();
    await assertShown(page.getByRole('heading', { level: 1, name: 'Create a new record' }));
    assert.equal(await page.getByLabel('Last name', { exact: true }).inputValue(), 'Nobodyatall');
    await assertAccessible(page, 'create page');
    await assertHeadingsInOrder(page, 'create page');

    await page.getByRole('button', { name: 'Create record' }).click();
    await assertShown(page.locator('.govuk-error-summary'));
    await assertAccessible(page, 'create page with errors');
    // The error summary links to the fields to fix.
    await page.locator('.govuk-error-summary a', { hasText: 'Select the child\'s sex' }).click();

    // Someone very like a known child (day and month the other way round): the match is shown first.
    await page.getByLabel('First names').fill('Elspeth');
    await page.getByLabel('Last name', { exact: true }).fill('Marchbanks');
    const dob = page.getByRole('group', { name: 'Date of birth' });
    await dob.getByLabel('Day').fill('5');
    await dob.getByLabel('Month').fill('9');
    await dob.getByLabel('Year').fill('2016');
    await page.getByLabel('Female').check();
    await page.getByLabel('No known address').check();
    await page.getByLabel('Operation Encompass notification (domestic abuse)').check();
    const trigger = page.getByRole('group', { name: 'Date of the trigger' });
    const [ty, tm, td] = today.split('-');
    await trigger.getByLabel('Day').fill(String(Number(td)));
    await trigger.getByLabel('Month').fill(String(Number(tm)));
    await trigger.getByLabel('Year').fill(ty!);
    await page.getByLabel('Responsible council').selectOption({ label: 'Leeds City Council' });
    await page.getByRole('button', { name: 'Create record' }).click();
    await assertShown(page.getByRole('heading', { level: 1, name: 'Check this child is not already known' }));
    await assertShown(page.getByRole('heading', { name: 'Elspeth Marchbanks' }));
    await assertAccessible(page, 'create page with likely matches');
    await assertHeadingsInOrder(page, 'create page with likely matches');
    await page.getByLabel('I have checked these are not the same child').check();
    await page.getByRole('button', { name: 'Create record' }).click();
    await assertShown(page.getByRole('heading', { name: 'Record created' }));
    await assertAccessible(page, 'record created page');

    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the responsible council shields a record; others then see only the summary; every shield page passes axe', async () => {
    const council = await browser.newContext();
    const { page, problems } = await newPage(council);
    await signIn(page, 'social.worker@leeds.demo.test');
    await page.goto(`${server.url}/children/${childId}`);
    await page.getByLabel('A safeguarding concern about this child').check();
    await page.getByRole('button', { name: 'View who is working with this child' }).click();
    await page.getByRole('link', { name: 'Shield this record' }).click();
    await assertShown(page.getByRole('heading', { name: 'Shield this record' }));
    await assertAccessible(page, 'shield page');
    await page.getByRole('button', { name: 'Shield this record' }).click();
    await assertShown(page.locator('.govuk-error-summary'));
    await assertAccessible(page, 'shield page with errors');
    await page.getByLabel('Why is the record shielded?').fill('Risk of harm if the family\'s location is known');
    await page.getByLabel('Who decided?').fill('Jo Bloggs, Head of Service');
    const review = addMonths(today, 6).split('-');
    await page.getByLabel('Day').fill(String(Number(review[2])));
    await page.getByLabel('Month').fill(String(Number(review[1])));
    await page.getByLabel('Year').fill(review[0]!);
    await page.getByRole('button', { name: 'Shield this record' }).click();
    await assertShown(page.getByRole('heading', { name: 'Record shielded' }));
    await assertAccessible(page, 'record shielded page');

    // The seal-holder's view: the shield, its seal-holders and a way to name another.
    await page.getByRole('link', { name: 'View the record again' }).click();
    await page.getByLabel('A safeguarding concern about this child').check();
    await page.getByRole('button', { name: 'View who is working with this child' }).click();
    await assertShown(page.getByRole('heading', { name: 'Shield', exact: true }));
    await assertShown(page.getByLabel('Name another seal-holder from your council'));
    await assertAccessible(page, 'signpost page for a seal-holder');
    await assertHeadingsInOrder(page, 'signpost page for a seal-holder');

    // Anyone else sees the summary only.
    const school = await browser.newContext();
    const other = await newPage(school);
    await signIn(other.page, 'health.visitor@nhs.demo.test');
    await other.page.goto(`${server.url}/children/${childId}`);
    await other.page.getByLabel('Health care or treatment I am giving the child').check();
    await other.page.getByRole('button', { name: 'View who is working with this child' }).click();
    await assertShown(other.page.getByText('This record is shielded. Contact Leeds City Council'));
    const content = await other.page.content();
    for (const hidden of [leadProfessional.name, leadProfessional.route, 'Kirkstall Road', 'Ruth Marchbanks', 'Who is working with this child']) {
      assert.ok(!content.includes(hidden), `the shielded page must not show "${hidden}"`);
    }
    await assertAccessible(other.page, 'shielded record page');

    // Removing the shield.
    await page.getByRole('button', { name: 'Remove shield' }).click();
    await assertShown(page.getByRole('heading', { name: 'Shield removed' }));
    await assertAccessible(page, 'shield removed page');

    assert.deepEqual([...problems, ...other.problems], []);
    await school.close();
    await council.close();
  });

  test('search, results and the signpost page work with JavaScript turned off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, 'admin@leeds.demo.test');
    await search(page, 'The child has moved into or out of my area', 'Marchbanks', child.dateOfBirth);
    // Closest first: the exact date of birth before the record made with day and month swapped.
    await page.getByRole('button', { name: /View who is working with this child \(Elspeth Marchbanks\)/ }).first().click();
    await assertShown(page.getByRole('heading', { name: 'Who is working with this child' }));
    await assertShown(page.getByText(leadProfessional.route));
    await context.close();
  });
});
