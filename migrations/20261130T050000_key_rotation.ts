import { sql, type Kysely } from 'kysely';

/**
 * Key rotation (SECURITY §3): each wrapped data key records the version of the wrapping key it is
 * sealed under. Version 1 is the key every existing row was wrapped with (derived from the root
 * key), so existing rows need no change. `signpost keys rotate` re-wraps rows below the current
 * version in batches, walking this index in (wrap_version, child_id) order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE child_keys ADD COLUMN wrap_version integer NOT NULL DEFAULT 1 CHECK (wrap_version > 0)`.execute(db);
  await sql`CREATE INDEX child_keys_wrap_version_idx ON child_keys (wrap_version, child_id)`.execute(db);
}

/** Only safe before any rotation: rows wrapped under version 2 or later would no longer say so. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS child_keys_wrap_version_idx`.execute(db);
  await sql`ALTER TABLE child_keys DROP COLUMN IF EXISTS wrap_version`.execute(db);
}
