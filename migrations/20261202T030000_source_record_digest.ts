import { sql, type Kysely } from 'kysely';

/**
 * What a source last sent for a child, as a keyed digest on the source's identifier: a record sent
 * again unchanged is then recognised as unchanged without opening the child, and without putting
 * back what someone corrected since, or what another source id linked to the same child sent
 * (one child under two source ids in a feed made every re-import of it an update). Empty for
 * identifiers stored before: the next delivery compares the record as before and stores it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE child_identifiers ADD COLUMN record_digest bytea
      CONSTRAINT child_identifiers_record_digest CHECK (record_digest IS NULL OR (kind = 'source_system' AND length(record_digest) = 16))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE child_identifiers DROP COLUMN record_digest`.execute(db);
}
