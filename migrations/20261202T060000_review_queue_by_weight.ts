import { sql, type Kysely } from 'kysely';

/**
 * The review queue can list the pairs most likely one child first. A whole-index dedupe at 1M
 * queues tens of thousands of pairs for one council: sorting them all for each page took 210 ms
 * for the first; read in this order, the first page stops after its fifty.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX match_review_open_weight_idx ON match_review_items (match_weight DESC, id) WHERE status IN ('open', 'not_sure')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX match_review_open_weight_idx`.execute(db);
}
