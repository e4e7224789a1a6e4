import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { councilCodeOf } from '../../test/factories/children.js';
import { csrfTokenIn, signInAs, type HttpSession } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import { feedCsv } from './feed-csv.js';
import { feedFileFromBytes } from './feed-file.js';

let t: TestApp;
let councilId: string;
let councilCode: string;
let socialWorker: HttpSession;
let otherCouncilWorker: HttpSession;
let schoolPractitioner: HttpSession;

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  socialWorker = await signInAs(t.app, t.clock, (await anAccount(t, 'vetted', { organisationId: councilId })).email, TEST_PASSWORD, TEST_TOTP_SECRET);
  otherCouncilWorker = await signInAs(t.app, t.clock, (await anAccount(t)).email, TEST_PASSWORD, TEST_TOTP_SECRET);
  const today = ukDate(t.clock.now());
  await t.services.users.add({
    organisationId: await anOrganisation(t, 'school'), email: 'dsl@school.import.test', displayName: 'School Lead', role: 'practitioner', password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -100), trainingCompletedOn: addDays(today, -100), agreementSignedOn: addDays(today, -30), totpSecret: TEST_TOTP_SECRET,
  });
  schoolPractitioner = await signInAs(t.app, t.clock, 'dsl@school.import.test', TEST_PASSWORD, TEST_TOTP_SECRET);
});
after(() => t.close());

let sequence = 0;
function aRow(overrides: Record<string, string> = {}): Record<string, string> {
  sequence += 1;
  return {
    source_id: `WEB-${String(sequence)}`, given_names: 'Florence', family_name: `Upload${'klmnopqrst'[sequence % 10]!}`, date_of_birth: `2014-0${String((sequence % 9) + 1)}-2${String(sequence % 9)}`,
    sex: 'female', address_line_1: `${String(sequence)} Park Road`, town: 'Leeds', postcode: 'LS2 9JT', record_trigger: 'early_help', trigger_date: '2026-10-01',
    responsible_council_code: councilCode, ...overrides,
  };
}

const BOUNDARY = '----signpost-test-boundary';
type Part = { name: string; value: string } | { name: string; filename: string; content: Buffer | string };

/** A multipart/form-data body as a browser sends it, parts in the order given. */
function multipartBody(parts: readonly Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('filename' in part) {
      chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: text/csv\r\n\r\n`));
      chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content), Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

async function upload(session: HttpSession, parts: (csrf: string) => Part[]) {
  await session.get('/imports/new');
  const csrf = csrfTokenIn(session.lastBody);
  return session.request({ method: 'POST', url: '/imports', payload: multipartBody(parts(csrf)), headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
}

const form = (csrf: string, source: string, filename: string, content: Buffer | string): Part[] => [
  { name: '_csrf', value: csrf }, { name: 'sourceSystem', value: source }, { name: 'feedFile', filename, content },
];

/** Follows the status page until the background import has finished. */
async function finishedPage(session: HttpSession, location: string): Promise<string> {
  for (let i = 0; i < 600; i += 1) {
    const page = await session.get(location);
    assert.equal(page.statusCode, 200);
    if (!/Importing a feed/.test(page.body)) return page.body;
    await sleep(50);
  }
  throw new Error('the import did not finish');
}

const runs = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM import_runs`.execute(t.database.db)).rows[0]!.n;
const children = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM children`.execute(t.database.db)).rows[0]!.n;

describe('importing a feed from the upload page', () => {
  test('a council social worker uploads a file and follows the import to its summary and rejected rows', async () => {
    const page = await socialWorker.get('/imports/new');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1 class="govuk-heading-l">Import a feed of children<\/h1>/);
    assert.match(page.body, /enctype="multipart\/form-data"/);
    assert.match(page.body, /<label class="govuk-label govuk-label--s" for="feedFile">/);
    assert.match(page.body, /responsible_council_code<\/code> \(required\)/, 'the format is described on the page');

    const before = await children();
    const response = await upload(socialWorker, (csrf) => form(csrf, 'liquidlogic-lcs', 'weekly.csv', feedCsv([aRow(), aRow({ nhs_number: '1234567890' }), aRow()])));
    assert.equal(response.statusCode, 303, response.body);
    const location = response.headers.location as string;
    assert.match(location, /^\/imports\/[0-9a-f-]{36}$/);

    const done = await finishedPage(socialWorker, location);
    assert.match(done, /<h1 class="govuk-heading-l">Import finished<\/h1>/);
    assert.match(done, /3 of 3 rows done \(100%\)/);
    assert.match(done, /Children added\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*2\s*</);
    assert.match(done, /Rows rejected\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*1\s*</);
    assert.match(done, /<td class="govuk-table__cell govuk-table__cell--numeric">3<\/td>|>3<\/th>/);
    assert.match(done, /nhs_number/);
    assert.match(done, /valid 10-digit NHS number/);
    assert.doesNotMatch(done, /http-equiv="refresh"/, 'a finished import stops refreshing');
    assert.doesNotMatch(done, /Florence|Upload[k-t]/, 'no child is named on the page');
    assert.equal(await children(), before + 2);

    const download = await socialWorker.get(`${location}/rejections.csv`);
    assert.equal(download.statusCode, 200);
    assert.match(String(download.headers['content-disposition']), /attachment; filename="weekly\.csv\.rejections\.csv"/);
    assert.match(download.body, /^line,column,reason\n3,nhs_number,"Enter a valid 10-digit NHS number, like/);
  });

  test('the status page of a running import refreshes itself every 2 seconds, and can be told to stop', async () => {
    const controller = new AbortController();
    const stopped = await t.services.imports.importFile(
      { kind: 'api-client', clientId: 'cli-import', organisationId: councilId, sourceSystems: ['lcs'] }, feedFileFromBytes('slow.csv', Buffer.from(feedCsv([aRow(), aRow(), aRow()]))), 'lcs',
      { batchSize: 1, signal: controller.signal, onProgress: (_s, done) => done >= 1 && controller.abort() },
    );
    const page = await socialWorker.get(`/imports/${stopped.run.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<meta http-equiv="refresh" content="2">/);
    assert.match(page.body, /<h1 class="govuk-heading-l">Importing a feed<\/h1>/);
    assert.match(page.body, /1 of 3 rows done \(33%\)/);
    assert.match(page.body, /<progress[^>]*max="3" value="1"/);
    const still = await socialWorker.get(`/imports/${stopped.run.id}?refresh=off`);
    assert.doesNotMatch(still.body, /http-equiv="refresh"/);
    assert.match(still.body, /Show the latest progress/);
  });

  test('uploading a file that is already being imported goes to that import, which carries on from where it stopped', async () => {
    const text = feedCsv([aRow(), aRow(), aRow()]);
    const controller = new AbortController();
    const stopped = await t.services.imports.importFile(
      { kind: 'api-client', clientId: 'cli-import', organisationId: councilId, sourceSystems: ['lcs-web'] }, feedFileFromBytes('resume.csv', Buffer.from(text)), 'lcs-web',
      { batchSize: 1, signal: controller.signal, onProgress: (_s, done) => done >= 1 && controller.abort() },
    );
    const response = await upload(socialWorker, (csrf) => form(csrf, 'lcs-web', 'resume.csv', text));
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `/imports/${stopped.run.id}`);
    const done = await finishedPage(socialWorker, response.headers.location);
    assert.match(done, /3 of 3 rows done/);
    assert.match(done, /Children added\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*3\s*</);
  });
});

describe('what the upload page refuses', () => {
  test('a file with the wrong columns, and a missing source system, are named in the error summary; nothing is imported', async () => {
    const before = await runs();
    const response = await upload(socialWorker, (csrf) => form(csrf, '', 'bad.csv', feedCsv([aRow()]).replace('postcode', 'post_code')));
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /govuk-error-summary/);
    assert.match(response.body, /href="#sourceSystem">Enter the name of the system the file comes from/);
    assert.match(response.body, /href="#feedFile">The header row has unknown column (&quot;|")post_code/);
    assert.equal(await runs(), before);
  });

  test('no file chosen, a spreadsheet, and a file over 50 MB are each refused with a clear message', async () => {
    const empty = await upload(socialWorker, (csrf) => form(csrf, 'lcs', '', ''));
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Select a CSV file/);
    const xlsx = await upload(socialWorker, (csrf) => form(csrf, 'lcs', 'feed.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00])));
    assert.equal(xlsx.statusCode, 400);
    assert.match(xlsx.body, /Excel workbook/);
    const before = await runs();
    const huge = await upload(socialWorker, (csrf) => form(csrf, 'lcs', 'huge.csv', Buffer.alloc(50 * 1024 * 1024 + 10, 'a')));
    assert.equal(huge.statusCode, 400);
    assert.match(huge.body, /The file must be smaller than 50 MB/);
    assert.equal(await runs(), before);
  });

  test('without the form\'s CSRF token, or with the token after the file, the upload is refused and nothing is read', async () => {
    const before = await runs();
    const noToken = await upload(socialWorker, () => [{ name: 'sourceSystem', value: 'lcs' }, { name: 'feedFile', filename: 'a.csv', content: feedCsv([aRow()]) }]);
    assert.equal(noToken.statusCode, 403);
    const wrongToken = await upload(socialWorker, () => form('not-the-token', 'lcs', 'a.csv', feedCsv([aRow()])));
    assert.equal(wrongToken.statusCode, 403);
    const tokenLast = await upload(socialWorker, (csrf) => [{ name: 'feedFile', filename: 'a.csv', content: feedCsv([aRow()]) }, { name: 'sourceSystem', value: 'lcs' }, { name: '_csrf', value: csrf }]);
    assert.equal(tokenLast.statusCode, 403);
    const garbled = await socialWorker.request({ method: 'POST', url: '/imports', payload: 'not multipart at all', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
    assert.equal(garbled.statusCode, 403);
    assert.equal(await runs(), before);
  });

  test('people who are not council social workers or administrators get a 403 page', async () => {
    const page = await schoolPractitioner.get('/imports/new');
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /Only social workers and Signpost administrators at a council can import feeds/);
    const before = await runs();
    const post = await upload(schoolPractitioner, (csrf) => form(csrf || 'x', 'lcs', 'a.csv', feedCsv([aRow()])));
    assert.equal(post.statusCode, 403);
    assert.equal(await runs(), before);
  });

  test('another council\'s import is not found, and signed-out people are sent to sign in', async () => {
    const { run } = await t.services.imports.importFile({ kind: 'api-client', clientId: 'cli-import', organisationId: councilId, sourceSystems: ['lcs-other'] }, feedFileFromBytes('x.csv', Buffer.from(feedCsv([aRow()]))), 'lcs-other');
    assert.equal((await socialWorker.get(`/imports/${run.id}`)).statusCode, 200);
    assert.equal((await otherCouncilWorker.get(`/imports/${run.id}`)).statusCode, 404);
    assert.equal((await otherCouncilWorker.get(`/imports/${run.id}/rejections.csv`)).statusCode, 404);
    assert.equal((await socialWorker.get('/imports/not-a-run')).statusCode, 404);
    const signedOut = await t.app.inject({ method: 'GET', url: '/imports/new' });
    assert.equal(signedOut.statusCode, 302);
  });
});
