import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { PROJECT_ROOT } from '../config/paths.js';
import { createTestDatabase } from '../../../test/test-database.js';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'bin', 'signpost.mjs');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signpost-embedded-'));
fs.chmodSync(dataDir, 0o755);
const env = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: '' };

after(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `signpost serve` as a separate process and resolves with its URL once it is listening. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, 'serve', '--port', '0', '--demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

const postgresPids = async (): Promise<number[]> => {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout.split('\n').filter((l) => l.includes(path.join(dataDir, 'postgres'))).map((l) => Number(l.trim().split(/\s+/)[0]));
};

const exited = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve();
  else child.on('exit', () => resolve());
});

describe('the embedded PostgreSQL server', () => {
  test('survives kill -9 of the app: the next start recovers every committed write', { timeout: 300_000 }, async () => {
    const first = await serve();
    assert.equal((await (await fetch(`${first.url}/healthz`)).json() as { database: string }).database, 'ok');

    // A second command shares the running server instead of fighting over the data folder.
    const added = await run(process.execPath, [CLI, '--data-dir', dataDir, 'users', 'add', '--org', 'LEE', '--email', 'durable@leeds.demo.test',
      '--name', 'Durable Person', '--role', 'social_worker', '--dbs', '2026-01-05', '--training', '2026-01-05', '--agreement', '2026-01-05',
      '--password', 'a long enough password'], { env });
    assert.match(added.stdout, /Added durable@leeds.demo.test/);
    assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the running server still has its database');

    first.child.kill('SIGKILL');
    await exited(first.child);
    assert.ok((await postgresPids()).length > 0, 'PostgreSQL is left running, orphaned, after kill -9');

    const second = await serve();
    assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
    const listed = await run(process.execPath, [CLI, '--data-dir', dataDir, 'users', 'list'], { env });
    assert.match(listed.stdout, /durable@leeds\.demo\.test/);
    assert.match(listed.stdout, /dsl@school\.demo\.test/);

    // Ctrl-C / SIGTERM stops the app and its PostgreSQL cleanly.
    second.child.kill('SIGTERM');
    await exited(second.child);
    assert.equal(second.child.exitCode, 0);
    for (let i = 0; i < 50 && (await postgresPids()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await postgresPids(), []);
    assert.equal(fs.statSync(path.join(dataDir, 'keys', 'kek.key')).mode & 0o777, 0o600, 'the key file is readable by its owner only');
  });

  test('durability settings are on: fsync, synchronous_commit and full_page_writes', async () => {
    const database = await createTestDatabase();
    try {
      for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
        const { rows } = await sql<{ value: string }>`SELECT current_setting(${setting}) AS value`.execute(database.db);
        assert.equal(rows[0]?.value, 'on', setting);
      }
    } finally {
      await database.drop();
    }
  });
});
