import { sql, type Kysely } from 'kysely';

/**
 * The given-name sounds on their own, by child: a search probes them for each of up to 400
 * children it has blocked, to rank them (rankedCandidates in src/search/child-search.repository.ts).
 * A tenth of the size of the whole key index, so its pages stay in memory at national scale.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX child_blind_index_given_sound_idx ON child_blind_index (child_id, value) WHERE kind = 'given_name_metaphone'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX child_blind_index_given_sound_idx`.execute(db);
}
