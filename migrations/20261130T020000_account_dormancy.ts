import { sql, type Kysely } from 'kysely';

/**
 * Accounts not used for 90 days are suspended (SECURITY §1). An administrator reinstating one
 * records when, so "last signed in" stays true and the 90 days count from the reinstatement.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN reinstated_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users DROP COLUMN IF EXISTS reinstated_at`.execute(db);
}
