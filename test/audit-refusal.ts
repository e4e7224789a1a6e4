import { sql } from 'kysely';
import type { Db } from '../src/platform/db/database.js';

/**
 * Makes every insert into the audit log of this test's own database fail, as an audit store that
 * is down would: for tests that a failed audit write fails the request with nothing written.
 */
export async function refuseAuditWrites(db: Db): Promise<void> {
  await sql`
    CREATE FUNCTION test_refuse_audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit store unavailable (test)'; END $$`.execute(db);
  await sql`CREATE TRIGGER test_refuse_audit_insert BEFORE INSERT ON audit_entries FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_audit_insert()`.execute(db);
}

/** Undoes {@link refuseAuditWrites}. */
export async function allowAuditWrites(db: Db): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS test_refuse_audit_insert ON audit_entries`.execute(db);
  await sql`DROP FUNCTION IF EXISTS test_refuse_audit_insert()`.execute(db);
}
