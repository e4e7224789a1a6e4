import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { urlFor } from '../../../test/test-database.js';
import { createDatabase, type Db } from './database.js';
import { migrateToLatest } from './migrate.js';

const name = `signpost_test_migrate_${randomBytes(6).toString('hex')}`;
let folder: string;
let db: Db;

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

before(async () => {
  await onServer(`CREATE DATABASE ${name}`);
  db = createDatabase({ url: urlFor(name), poolSize: 1 });
  folder = await fs.mkdtemp(path.join(os.tmpdir(), 'signpost-migrations-'));
  // A bulk deletion spread over a table, as the migration that removed the exact given names did.
  await fs.writeFile(path.join(folder, '20990101T000000_bulk_delete.ts'), `
    import { sql } from '${import.meta.resolve('kysely')}';
    export const vacuumAfter = ['spread'];
    export async function up(db) {
      await sql\`CREATE TABLE spread (id integer PRIMARY KEY, kind text NOT NULL)\`.execute(db);
      await sql\`INSERT INTO spread SELECT n, CASE WHEN n % 5 = 0 THEN 'gone' ELSE 'kept' END FROM generate_series(1, 20000) n\`.execute(db);
      await sql\`DELETE FROM spread WHERE kind = 'gone'\`.execute(db);
    }
    export async function down(db) { await sql\`DROP TABLE spread\`.execute(db); }
  `);
});

after(async () => {
  await db.destroy();
  await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await fs.rm(folder, { recursive: true, force: true });
});

test('a migration that names tables it changed in bulk has them vacuumed once it has run', async () => {
  const results = await migrateToLatest(db, folder);
  assert.deepEqual(results.map((r) => [r.migrationName, r.status]), [['20990101T000000_bulk_delete', 'Success']]);
  // Only a vacuum marks the pages all-visible again (what lets index-only scans skip the table).
  const { rows: [table] } = await sql<{ pages: number; visible: number; dead: number }>`
    SELECT c.relpages AS pages, c.relallvisible AS visible, s.n_dead_tup::integer AS dead
    FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = 'spread'`.execute(db);
  assert.ok(table && table.pages > 0 && table.visible === table.pages, `all ${String(table?.pages)} pages visible, ${String(table?.visible)} marked`);
  assert.deepEqual(await migrateToLatest(db, folder), [], 'nothing to run the second time');
});
