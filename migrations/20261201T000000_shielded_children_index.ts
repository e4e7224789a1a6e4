import { sql, type Kysely } from 'kysely';

/**
 * The ids of shielded children as their own small index. A feed's batch reads the search keys of
 * every shielded child (a few in a thousand) to find the records a shield may follow to; with
 * this index that read starts from the shielded ids instead of scanning every child.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX children_shielded_idx ON children (id) WHERE shielded`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX children_shielded_idx`.execute(db);
}
