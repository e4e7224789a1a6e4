import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { PROJECT_ROOT } from '../platform/config/paths.js';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';

const exec = promisify(execFile);
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.drop());

async function signpost(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'signpost.mjs'), ...args], {
      env: { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'development', LOG_LEVEL: 'warn', SIGNPOST_KEK: Buffer.alloc(32, 9).toString('base64') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('audit verify, checkpoint and public-key from the command line; tampering is named', async () => {
  for (let i = 0; i < 5; i++) {
    await sql`INSERT INTO audit_entries (occurred_at, action, outcome, reason, salt) VALUES (now(), 'search', 'allowed', ${`r${i}`}, ${Buffer.alloc(16, i)})`.execute(database.db);
  }
  const ok = await signpost('audit', 'verify');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /The audit log verifies: 5 entries/);
  const note = await signpost('audit', 'checkpoint');
  assert.match(note.stdout, /^signpost\.audit\/local\n5\n/);
  const key = await signpost('audit', 'public-key');
  assert.match(key.stdout, /^signpost\.audit\/local\+[0-9a-f]{8}\+/);

  await database.db.connection().execute(async (conn) => {
    await sql`SET session_replication_role = replica`.execute(conn);
    await sql`UPDATE audit_entries SET reason = 'changed' WHERE id = (SELECT entry_id FROM audit_leaves WHERE leaf_index = 2)`.execute(conn);
  });
  const bad = await signpost('audit', 'verify');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /does NOT verify\. First bad index: 2/);
});
