import { sql, type Kysely } from 'kysely';

/**
 * The ids of shielded children as their own small index. A feed's batch asks which of its records
 * share a blocking value with any shielded child; with this index PostgreSQL reads the few
 * shielded ids as a set instead of visiting every blocked child's row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX children_shielded_idx ON children (id) WHERE shielded`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX children_shielded_idx`.execute(db);
}
