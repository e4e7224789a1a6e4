import { sql, type Kysely } from 'kysely';

/**
 * The source systems an agency client may send records as. Without it any client could write
 * under another system's name and overwrite the children that system created.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_clients ADD COLUMN source_systems text[] NOT NULL DEFAULT '{}'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_clients DROP COLUMN IF EXISTS source_systems`.execute(db);
}
