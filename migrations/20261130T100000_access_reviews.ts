import { sql, type Kysely } from 'kysely';

/**
 * The periodic access review (SECURITY §1): a council administrator confirms, account by account,
 * that each person still needs Signpost, or removes their access. One row per confirmation, kept,
 * so the page can show when an account was last reviewed and by whom.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE access_reviews (
      id bigserial PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id),
      reviewed_by uuid NOT NULL REFERENCES users (id),
      outcome text NOT NULL CHECK (outcome IN ('access_still_needed', 'access_removed')),
      reviewed_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX access_reviews_user_idx ON access_reviews (user_id, reviewed_at DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS access_reviews`.execute(db);
}
