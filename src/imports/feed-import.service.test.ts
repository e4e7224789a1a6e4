import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation } from '../../test/factories/accounts.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { aTestNhsNumber, aTestUpn, councilCodeOf } from '../../test/factories/children.js';
import type { Viewer } from '../access/viewer.js';
import { ValidationError } from '../platform/http/errors.js';
import { feedCsv } from './feed-csv.js';
import { feedFileFromBytes, FeedFileError } from './feed-file.js';
import { FeedImportService, ImportInProgressError, type ImportResult } from './feed-import.service.js';
import { withImportLock } from './feed-import.repository.js';

let t: TestApp;
let councilCode: string;
let schoolCode: string;
let feed: Viewer;

before(async () => {
  t = await buildTestApp();
  const councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const schoolId = await anOrganisation(t, 'school');
  schoolCode = (await t.services.organisations.list({ kind: 'school', limit: 500, offset: 0 })).find((o) => o.id === schoolId)!.code;
  feed = { kind: 'api-client', clientId: 'cli-import', organisationId: councilId, sourceSystems: ['liquidlogic-lcs', 'readme-example', 'lcs', ' '] };
});
after(() => t.close());

let sequence = 0;
/** A good row: a child with a known address, different on every call. */
function aRow(overrides: Record<string, string> = {}): Record<string, string> {
  sequence += 1;
  return {
    source_id: `LCS-${String(sequence)}`,
    given_names: 'Oliver',
    family_name: `Thistlewood${'abcdefghij'[sequence % 10]!}`,
    date_of_birth: `2015-0${String((sequence % 9) + 1)}-1${String(sequence % 10)}`,
    sex: 'male',
    address_line_1: `${String(sequence)} Canal Street`,
    town: 'Leeds',
    postcode: 'LS1 4AB',
    record_trigger: 'child_in_need',
    trigger_date: '2026-09-01',
    responsible_council_code: councilCode,
    ...overrides,
  };
}

const file = (name: string, text: string | Buffer) => feedFileFromBytes(name, Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
const count = async (table: 'children' | 'involvements' | 'import_runs' | 'child_identifiers') =>
  (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql.table(table)}`.execute(t.database.db)).rows[0]!.n;

async function importText(name: string, text: string, options: Parameters<FeedImportService['importFile']>[3] = {}): Promise<ImportResult> {
  return t.services.imports.importFile(feed, file(name, text), 'liquidlogic-lcs', options);
}

async function rejectionsOf(runId: string) {
  return (await t.services.imports.rejections(runId, 1000)).entries;
}

describe('importing a feed of children', () => {
  test('good rows are created; each bad row is reported by line, column and reason and writes nothing', async () => {
    const badNhs = '9434765918';
    const rows = [
      aRow({ nhs_number: aTestNhsNumber(), upn: aTestUpn() }), //                line 2
      aRow({ nhs_number: badNhs }), //                                           line 3
      aRow({ date_of_birth: '2015-02-30' }), //                                  line 4
      aRow({ responsible_council_code: 'NO-SUCH-COUNCIL' }), //                  line 5
      aRow({ family_name: '' }), //                                              line 6
      aRow({ address_line_1: 'Flat 2\r\nRiverside House', former_family_names: 'Smith; Jones' }), // lines 7–8
      aRow({ sex: 'boy', unborn: 'perhaps' }), //                                line 9
    ];
    const childrenBefore = await count('children');
    const result = await importText('mixed.csv', feedCsv(rows));
    assert.equal(result.finished, true);
    assert.equal(result.run.status, 'completed');
    assert.deepEqual(
      { total: result.run.totalRows, done: result.run.rowsDone, created: result.run.created, updated: result.run.updated, unchanged: result.run.unchanged, rejected: result.run.rejected },
      { total: 7, done: 7, created: 2, updated: 0, unchanged: 0, rejected: 5 },
    );
    assert.equal(await count('children'), childrenBefore + 2, 'only the two good rows made children');

    const rejections = await rejectionsOf(result.run.id);
    assert.deepEqual(rejections.map((r) => [r.line, r.field]), [
      [3, 'nhs_number'],
      [4, 'date_of_birth'],
      [5, 'responsible_council_code'],
      [6, 'family_name'],
      [9, 'sex'],
      [9, 'unborn'],
    ]);
    const reasonFor = (line: number) => rejections.find((r) => r.line === line)!.reason;
    assert.match(reasonFor(3), /valid 10-digit NHS number/);
    assert.match(reasonFor(4), /real date/);
    assert.match(reasonFor(5), /No council has this code/);
    assert.match(reasonFor(6), /last name/);
    for (const r of rejections) {
      assert.doesNotMatch(r.reason, new RegExp(`${badNhs}|2015-02-30|NO-SUCH-COUNCIL|Thistlewood|perhaps`), 'a reason names the column, never the value');
    }
  });

  test('a child sent twice in one file: the later row is refused, naming the line of the first', async () => {
    const first = aRow();
    const result = await importText('twice.csv', feedCsv([first, aRow(), { ...aRow(), source_id: first['source_id']! }]));
    assert.deepEqual([result.run.created, result.run.rejected], [2, 1]);
    assert.deepEqual(await rejectionsOf(result.run.id), [{ line: 4, field: 'source_id', reason: 'This source_id is also on line 2: each child may appear once in a file, so this later row was not imported' }]);
  });

  test('one child under two source ids in consecutive batches is one child: the later row links to the earlier, and importing again changes nothing', async () => {
    const first = aRow({ given_names: 'Barnaby', family_name: 'Quillfeather', date_of_birth: '2014-11-23', address_line_1: '17 Wharf Row', postcode: 'LS10 1QQ' });
    // The same child's other rows in the sending system, with other trigger dates.
    const rows = [first, { ...first, source_id: `${first['source_id']!}-again`, trigger_date: '2026-09-05' }, aRow(), { ...first, source_id: `${first['source_id']!}-third`, trigger_date: '2026-09-09' }];
    const children = await count('children');
    // One row a batch: each is planned while the one before may still be being stored (the source
    // batch tests pin that order down); either way the outcome is the one-by-one outcome.
    const result = await importText('again.csv', feedCsv(rows), { batchSize: 1 });
    assert.deepEqual([result.run.created, result.run.updated, result.run.rejected], [2, 2, 0]);
    assert.equal(await count('children'), children + 2);
    const again = await importText('again-2.csv', feedCsv(rows), { batchSize: 1 });
    assert.deepEqual([again.run.created, again.run.updated, again.run.unchanged], [0, 0, 4], 'each row is what its source id last sent');
  });

  test('a row with too many values is refused as a whole row', async () => {
    const text = feedCsv([aRow(), aRow()]).replace(/\r\n$/, ',extra\r\n');
    const result = await importText('ragged.csv', text);
    assert.deepEqual([result.run.created, result.run.rejected], [1, 1]);
    const rejections = await rejectionsOf(result.run.id);
    assert.deepEqual(rejections.map((r) => [r.line, r.field]), [[3, '']]);
    assert.match(rejections[0]!.reason, /values but the header row has/);
  });
});

test('the example in the README imports as the README says', async () => {
  if (!(await t.services.organisations.list({ kind: 'council', limit: 500, offset: 0 })).some((o) => o.code === 'LEE')) {
    await insertOrganisation(t.database.db, { code: 'LEE', kind: 'council', name: 'Leeds City Council' });
  }
  const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
  const example = /```csv\n([\s\S]*?)```/.exec(readme)![1]!;
  const result = await t.services.imports.importFile(feed, file('readme.csv', example), 'readme-example');
  assert.deepEqual([result.run.created, result.run.rejected], [1, 1]);
  assert.deepEqual((await rejectionsOf(result.run.id)).map((r) => [r.line, r.field]).sort(), [[3, 'address_line_1'], [3, 'date_of_birth'], [3, 'given_names'], [3, 'postcode'], [3, 'town']]);
  assert.equal(await t.database.db.selectFrom('involvements').select('role').where('source_id', '=', 'LCS-1001/LEE/allocated_social_worker/2026-09-01').executeTakeFirst().then((r) => r?.role), 'allocated_social_worker');
});

describe('importing the same file again', () => {
  test('changes nothing: no new children, involvements or audit writes, and every row is reported unchanged', async () => {
    const text = feedCsv([
      aRow({ involvement_organisation_code: schoolCode, involvement_role: 'designated_safeguarding_lead', involvement_service: 'Safeguarding', involvement_started_on: '2026-09-02' }),
      aRow({ involvement_organisation_code: schoolCode, involvement_role: 'school_nurse', involvement_service: 'School nursing', involvement_started_on: '2026-01-05', involvement_ended_on: '2026-07-20', involvement_end_reason: 'LEFTRL', involvement_source_id: 'NURSE-9' }),
      aRow({ no_known_address: 'yes', address_line_1: '', town: '', postcode: '', carer_name: 'Sam Carer', carer_relationship: 'aunt', carer_parental_responsibility: 'no' }),
      aRow({ family_name: '' }),
    ]);
    const first = await importText('daily.csv', text);
    assert.deepEqual([first.run.created, first.run.updated, first.run.unchanged, first.run.rejected], [3, 0, 0, 1]);
    const involvements = await t.database.db.selectFrom('involvements').select(['role', 'ended_on', 'end_reason', 'source_id']).where('source_system', '=', 'liquidlogic-lcs').orderBy('role').execute();
    assert.deepEqual(involvements.map((i) => [i.role, i.ended_on, i.end_reason]), [['designated_safeguarding_lead', null, null], ['school_nurse', '2026-07-20', 'LEFTRL']]);

    const before = { children: await count('children'), involvements: await count('involvements'), identifiers: await count('child_identifiers') };
    const auditWritesBefore = (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM audit_entries WHERE action IN ('create', 'update')`.execute(t.database.db)).rows[0]!.n;
    const second = await importText('daily.csv', text);
    assert.notEqual(second.run.id, first.run.id, 'a completed file runs again as a new run');
    assert.equal(second.resumedAfterRow, 0);
    assert.deepEqual([second.run.created, second.run.updated, second.run.unchanged, second.run.rejected], [0, 0, 3, 1]);
    assert.deepEqual({ children: await count('children'), involvements: await count('involvements'), identifiers: await count('child_identifiers') }, before);
    const auditWritesAfter = (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM audit_entries WHERE action IN ('create', 'update')`.execute(t.database.db)).rows[0]!.n;
    assert.equal(auditWritesAfter, auditWritesBefore, 'nothing was written, so nothing was audited as written');
  });

  test('a changed row updates its one child', async () => {
    const row = aRow();
    await importText('v1.csv', feedCsv([row]));
    const children = await count('children');
    const result = await importText('v2.csv', feedCsv([{ ...row, address_line_1: '99 New Road', postcode: 'LS2 7EW' }]));
    assert.deepEqual([result.run.created, result.run.updated, result.run.unchanged], [0, 1, 0]);
    assert.equal(await count('children'), children);
  });
});

describe('an import that stops part-way', () => {
  test('is continued by running the same file again, from the last committed line, with the right totals', async () => {
    const rows = [aRow(), aRow(), aRow(), aRow({ sex: 'boy' }), aRow()];
    const text = feedCsv(rows);
    const childrenBefore = await count('children');
    const controller = new AbortController();
    const progress: number[] = [];
    const stopped = await importText('big.csv', text, {
      batchSize: 2,
      signal: controller.signal,
      onProgress: (_stage, done) => {
        progress.push(done);
        if (done >= 2) controller.abort();
      },
    });
    assert.equal(stopped.finished, false);
    assert.equal(stopped.run.status, 'running', 'left as a crash would leave it');
    assert.equal(stopped.run.rowsDone, 2);
    assert.deepEqual(progress, [0, 2]);
    assert.equal(await count('children'), childrenBefore + 2);

    const resumedProgress: number[] = [];
    const resumed = await importText('big.csv', text, { batchSize: 2, onProgress: (_stage, done) => resumedProgress.push(done) });
    assert.equal(resumed.run.id, stopped.run.id, 'the same run carries on');
    assert.equal(resumed.resumedAfterRow, 2);
    assert.equal(resumed.finished, true);
    assert.deepEqual(resumedProgress, [2, 4, 5]);
    assert.deepEqual([resumed.run.status, resumed.run.rowsDone, resumed.run.created, resumed.run.unchanged, resumed.run.rejected], ['completed', 5, 4, 0, 1]);
    assert.equal(await count('children'), childrenBefore + 4, 'no child twice, none missing');
    assert.deepEqual((await rejectionsOf(resumed.run.id)).map((r) => [r.line, r.field]), [[5, 'sex']]);
  });

  test('a row repeated across the resume point is still refused as a duplicate', async () => {
    const first = aRow();
    const text = feedCsv([first, aRow(), { ...aRow(), source_id: first['source_id']! }]);
    const controller = new AbortController();
    await importText('dup-resume.csv', text, { batchSize: 1, signal: controller.signal, onProgress: (_s, done) => done >= 1 && controller.abort() });
    const resumed = await importText('dup-resume.csv', text, { batchSize: 1 });
    assert.deepEqual([resumed.resumedAfterRow, resumed.run.created, resumed.run.rejected], [1, 2, 1]);
    assert.deepEqual((await rejectionsOf(resumed.run.id)).map((r) => [r.line, r.field]), [[4, 'source_id']]);
  });

  test('while one import of a file is running, a second start of the same file is refused', async () => {
    const inspected = await t.services.imports.inspect(file('concurrent.csv', feedCsv([aRow()])), 'liquidlogic-lcs');
    const held = await withImportLock(t.database.db, 'liquidlogic-lcs', inspected.sha256, () =>
      assert.rejects(t.services.imports.import(feed, inspected, 'liquidlogic-lcs'), ImportInProgressError));
    assert.equal(held.locked, true);
    const after = await t.services.imports.import(feed, inspected, 'liquidlogic-lcs');
    assert.equal(after.run.created, 1, 'once the first has finished, the file imports');
  });
});

describe('file-level problems are found before anything is written', () => {
  const expectFileError = async (text: string | Buffer, pattern: RegExp, service: FeedImportService = t.services.imports) => {
    const before = { children: await count('children'), runs: await count('import_runs') };
    await assert.rejects(service.importFile(feed, file('bad.csv', text), 'liquidlogic-lcs'), (error: unknown) => error instanceof FeedFileError && pattern.test(error.message));
    assert.deepEqual({ children: await count('children'), runs: await count('import_runs') }, before);
  };

  test('unknown and missing columns are named', async () => {
    const good = feedCsv([aRow(), aRow()]);
    await expectFileError(good.replace('given_names', 'first_name'), /unknown column "first_name".*missing required column "given_names"/);
    await expectFileError(good.replace('sex,', 'sex,sex,'), /"sex" more than once/);
  });

  test('a file without its header row is refused without echoing the child on its first line', async () => {
    const good = feedCsv([aRow({ family_name: 'Quartermaine' }), aRow()]);
    const noHeader = good.slice(good.indexOf('\r\n') + 2);
    await assert.rejects(t.services.imports.importFile(feed, file('x.csv', noHeader), 'lcs'), (error: unknown) =>
      error instanceof FeedFileError && !error.message.includes('Quartermaine')
      && error.message.startsWith('The header row has no Signpost column names: the first row is not a header row. Put the header row first'));
  });

  test('involvement columns come as a set', async () => {
    await expectFileError(feedCsv([aRow({ involvement_role: 'gp' })], ['source_id', 'given_names', 'family_name', 'date_of_birth', 'sex', 'record_trigger', 'trigger_date', 'responsible_council_code', 'involvement_role']), /missing required columns "involvement_organisation_code", "involvement_service", "involvement_started_on"/);
  });

  test('semicolons or tabs between columns are named', async () => {
    await expectFileError(feedCsv([aRow()]).replaceAll(',', ';'), /separated by semicolons/);
    await expectFileError(feedCsv([aRow()]).replaceAll(',', '\t'), /separated by tabs/);
  });

  test('binary files, spreadsheets and text in another encoding are refused', async () => {
    await expectFileError(Buffer.concat([Buffer.from(feedCsv([aRow()])), Buffer.from([0, 1, 2, 3])]), /not a text file/);
    await expectFileError(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /Excel workbook \(\.xlsx\)/);
    await expectFileError(Buffer.from(feedCsv([aRow({ address_line_1: '1 Caf\u00e9 Row' })]), 'latin1'), /not UTF-8 text: around line 2/);
  });

  test('an unclosed quote is refused with its line', async () => {
    await expectFileError(`${feedCsv([aRow()])}"LCS-X,Ann\r\n`, /quoted value starting on line 3 is never closed/);
  });

  test('files over the size or row limit are refused', async () => {
    const small = new FeedImportService({ db: t.database.db, clock: t.clock, childRecords: t.services.childRecords, involvements: t.services.involvements, audit: t.services.audit, limits: { maxBytes: 600, maxRows: 2 } });
    await expectFileError(feedCsv([aRow(), aRow(), aRow()]), /more than 2 rows/, small);
    await expectFileError(feedCsv(Array.from({ length: 8 }, () => aRow())), /largest Signpost takes/, small);
    await expectFileError('', /empty/);
  });

  test('a source system name that is not a name is refused before reading the file', async () => {
    await assert.rejects(t.services.imports.importFile(feed, file('a.csv', feedCsv([aRow()])), ' '), (error: unknown) => error instanceof ValidationError && 'sourceSystem' in error.fields);
  });
});
