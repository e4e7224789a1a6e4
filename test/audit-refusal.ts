import { sql } from 'kysely';
import type { Db } from '../src/platform/db/database.js';

/**
 * Makes every insert into one table of this test's own database fail, as a store that is down
 * would: for tests that a failed write fails the request with nothing written.
 */
export async function refuseWritesTo(db: Db, table: 'audit_entries' | 'notifications'): Promise<void> {
  const trigger = sql.id(`test_refuse_${table}_insert`);
  // Tests look for this text, to check no internals reach an answer.
  const message = sql.lit(`${STORE_NAMES[table]} store unavailable (test)`);
  await sql`
    CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION ${message}; END $$`.execute(db);
  await sql`CREATE TRIGGER ${trigger} BEFORE INSERT ON ${sql.table(table)} FOR EACH STATEMENT EXECUTE FUNCTION ${trigger}()`.execute(db);
}

const STORE_NAMES = { audit_entries: 'audit', notifications: 'notifications' } as const;

/** Undoes {@link refuseWritesTo}. */
export async function allowWritesTo(db: Db, table: 'audit_entries' | 'notifications'): Promise<void> {
  const trigger = sql.id(`test_refuse_${table}_insert`);
  await sql`DROP TRIGGER IF EXISTS ${trigger} ON ${sql.table(table)}`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ${trigger}()`.execute(db);
}

/** The audit log refuses every write: no entry, no data. */
export const refuseAuditWrites = (db: Db): Promise<void> => refuseWritesTo(db, 'audit_entries');

/** Undoes {@link refuseAuditWrites}. */
export const allowAuditWrites = (db: Db): Promise<void> => allowWritesTo(db, 'audit_entries');
