import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { runSignpost } from '../../test/cli.js';

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database.drop();
});

const signpost = (...args: string[]) => runSignpost(database.url, args);

describe('the signpost command line', () => {
  test('--help lists every command, and each command has its own --help', async () => {
    const help = await signpost('--help');
    assert.equal(help.code, 0);
    for (const command of ['serve', 'migrate', 'seed', 'users', 'orgs', 'clients', 'demo']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
    for (const command of [['serve'], ['users', 'add'], ['users', 'list'], ['clients', 'add'], ['seed']]) {
      const sub = await signpost(...command, '--help');
      assert.equal(sub.code, 0, command.join(' '));
      assert.match(sub.stdout, /Usage: signpost/);
    }
  });

  test('seed creates the demo directory once; running it again changes nothing', async () => {
    const first = await signpost('seed', '--seed', '3', '--children', '120');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Created \d+ organisations, \d+ practitioners and 8 demo accounts/);
    assert.match(first.stdout, /Created 120 synthetic children/);
    assert.match(first.stderr, /children: 120\/120 \(100%\)/, 'progress is reported');
    const second = await signpost('seed', '--seed', '3', '--children', '120');
    assert.match(second.stdout, /already there/);
    assert.match(second.stdout, /synthetic children were already there; nothing was changed/);
    const orgs = await signpost('orgs', 'list');
    assert.match(orgs.stdout, /LEE\s+council\s+Leeds City Council/);
  });

  test('users add, list, reset-mfa and disable work end to end', async () => {
    await signpost('seed');
    const added = await signpost('users', 'add', '--org', 'BRS', '--email', 'cli.person@bristol.demo.test', '--name', 'Cli Person',
      '--role', 'social_worker', '--dbs', '2026-02-01', '--training', '2026-02-01', '--agreement', '2026-02-01');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Initial password \(shown once\): \S{12,}/);
    assert.match((await signpost('users', 'list')).stdout, /cli\.person@bristol\.demo\.test\s+social_worker\s+active\s+MFA not enrolled/);
    assert.equal((await signpost('users', 'reset-mfa', 'dsl@school.demo.test')).code, 0);
    assert.equal((await signpost('users', 'disable', 'cli.person@bristol.demo.test')).code, 0);
    assert.match((await signpost('users', 'list')).stdout, /cli\.person@bristol\.demo\.test\s+social_worker\s+disabled/);
  });

  test('mistakes get one clear line saying what to do, and exit code 2', async () => {
    const unknownOrg = await signpost('users', 'add', '--org', 'NOPE', '--email', 'a@b.test', '--name', 'A', '--role', 'social_worker',
      '--dbs', '2026-01-01', '--training', '2026-01-01', '--agreement', '2026-01-01');
    assert.equal(unknownOrg.code, 2, unknownOrg.stderr);
    assert.match(unknownOrg.stderr, /There is no organisation with code "NOPE".*signpost orgs list/);
    const badFields = await signpost('users', 'add', '--org', 'LEE', '--email', 'not-an-email', '--name', 'A', '--role', 'wizard',
      '--dbs', '2026-02-30', '--training', '2026-01-01', '--agreement', '2026-01-01', '--password', 'short');
    assert.equal(badFields.code, 2, badFields.stderr);
    assert.match(badFields.stderr, /--email: Enter an email address/);
    assert.match(badFields.stderr, /--role: Choose a role/);
    assert.match(badFields.stderr, /--dbs: Enter the dbs date as YYYY-MM-DD/);
    assert.match(badFields.stderr, /--password: Use a password of at least 12 characters/);
    assert.doesNotMatch(badFields.stderr, /at .*\.ts:\d+/, 'no stack trace');
    const unknownCommand = await signpost('frobnicate');
    assert.equal(unknownCommand.code, 2, unknownCommand.stderr);
    assert.match(unknownCommand.stderr, /unknown command/);
    const missingOption = await signpost('clients', 'add', '--org', 'LEE');
    assert.equal(missingOption.code, 2, missingOption.stderr);
    assert.match(missingOption.stderr, /required option '--name <name>'/);
  });

  test('clients add prints a client id and secret once', async () => {
    await signpost('seed');
    const client = await signpost('clients', 'add', '--org', 'POL-WY', '--name', 'Police feed');
    assert.equal(client.code, 0, client.stderr);
    assert.match(client.stdout, /client_id:\s+sp_\S+/);
    assert.match(client.stdout, /client_secret:\s+\S{40,}/);
  });

  test('demo code prints the current 6-digit code', async () => {
    const code = await signpost('demo', 'code');
    assert.match(code.stdout, /^\d{6}\s+\(valid for \d+ more seconds\)/);
  });
});
