import { sql, type Kysely } from 'kysely';

/**
 * The given-name sounds by child are no longer probed for every child a search blocks: those
 * sharing the date of birth are ranked by their date with the sound (the migration before), and
 * the few blocked by a part of the date are probed through the primary key. 170 MB at 1M
 * children that every new child wrote to and nothing read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX child_blind_index_given_sound_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX child_blind_index_given_sound_idx ON child_blind_index (child_id, value) WHERE kind = 'given_name_metaphone'`.execute(db);
}
