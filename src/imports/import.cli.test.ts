import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { feedCsv } from './feed-csv.js';
import { runSignpost } from '../../test/cli.js';

let database: TestDatabase;
let folder: string;

before(async () => {
  database = await createTestDatabase();
  await insertOrganisation(database.db, { code: 'CLI-CNL', kind: 'council', name: 'Command Line Council' });
  folder = await mkdtemp(path.join(os.tmpdir(), 'signpost-import-'));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
  await database.drop();
});

const signpost = (...args: string[]) => runSignpost(database.url, args);

const children = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM children`.execute(database.db)).rows[0]!.n;

const good = {
  source_id: 'C-1', given_names: 'Marigold', family_name: 'Fenwick-Oyelaran', date_of_birth: '2014-06-03', sex: 'female',
  address_line_1: '7 Mill Lane', town: 'Leeds', postcode: 'LS6 2AB', record_trigger: 'early_help', trigger_date: '2026-10-01', responsible_council_code: 'CLI-CNL',
};

describe('signpost import', () => {
  test('imports a small file, reports the rejected row by line and column, and writes the rejections beside the file', async () => {
    const file = path.join(folder, 'feed.csv');
    await writeFile(file, feedCsv([good, { ...good, source_id: 'C-2', given_names: 'Tobias', date_of_birth: '2016-13-40' }]));
    const first = await signpost('import', file, '--source', 'lcs', '--organisation', 'CLI-CNL');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Imported feed\.csv from lcs: 2 rows/);
    assert.match(first.stdout, /created +1\n +updated +0\n +unchanged +0\n +rejected +1/);
    assert.match(first.stdout, /line 3, date_of_birth: Date of birth must be a real date/);
    assert.match(first.stderr, /import: 2\/2 \(100%\)/, 'progress is shown');
    assert.equal(await children(), 1);
    assert.equal(await readFile(`${file}.rejections.csv`, 'utf8'), 'line,column,reason\n3,date_of_birth,Date of birth must be a real date in the form YYYY-MM-DD\n');
    for (const secret of ['Marigold', 'Fenwick', 'Tobias', '2014-06-03', '2016-13-40']) {
      assert.ok(!first.stdout.includes(secret) && !first.stderr.includes(secret), 'no name or date of birth is printed');
    }

    const again = await signpost('import', file, '--source', 'lcs', '--organisation', 'CLI-CNL');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /created +0\n +updated +0\n +unchanged +1\n +rejected +1/);
    assert.equal(await children(), 1, 'importing the same file twice adds nobody');
  });

  test('a file-level problem exits 2 naming the problem, and nothing is written', async () => {
    const file = path.join(folder, 'wrong.csv');
    await writeFile(file, feedCsv([good]).replace('family_name', 'surname'));
    const before = await children();
    const result = await signpost('import', file, '--source', 'lcs', '--organisation', 'CLI-CNL');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Error: The header row has unknown column "surname"; missing required column "family_name"/);
    assert.match(result.stderr, /Nothing was imported/);
    assert.equal(await children(), before);
    assert.equal(existsSync(`${file}.rejections.csv`), false);
    const missing = await signpost('import', path.join(folder, 'nope.csv'), '--source', 'lcs', '--organisation', 'CLI-CNL');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /There is no file at/);
  });

  test('the organisation is required and must exist; --help describes the command', async () => {
    const file = path.join(folder, 'feed2.csv');
    await writeFile(file, feedCsv([good]));
    const noOrg = await signpost('import', file, '--source', 'lcs');
    assert.equal(noOrg.code, 2);
    assert.match(noOrg.stderr, /--organisation <code>/);
    const unknownOrg = await signpost('import', file, '--source', 'lcs', '--organisation', 'NOPE');
    assert.equal(unknownOrg.code, 2);
    assert.match(unknownOrg.stderr, /There is no organisation with code "NOPE"/);
    const badSource = await signpost('import', file, '--source', '!!', '--organisation', 'CLI-CNL');
    assert.equal(badSource.code, 2);
    assert.match(badSource.stderr, /--source: Enter the source system/);
    const help = await signpost('import', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: signpost import \[options\] <file>/);
  });
});
