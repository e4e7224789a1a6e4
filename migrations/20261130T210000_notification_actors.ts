import { sql, type Kysely } from 'kysely';

/**
 * Who looked, for notices about an agency system's look (its client id, as in the audit) and the
 * role the person looked in, so a notice reads the same after the person's role changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notifications ADD COLUMN actor_api_client text CHECK (length(actor_api_client) <= 200)`.execute(db);
  await sql`ALTER TABLE notifications ADD COLUMN actor_role text CHECK (length(actor_role) <= 100)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notifications DROP COLUMN IF EXISTS actor_role`.execute(db);
  await sql`ALTER TABLE notifications DROP COLUMN IF EXISTS actor_api_client`.execute(db);
}
