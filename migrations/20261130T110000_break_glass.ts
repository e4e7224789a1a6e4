import { sql, type Kysely } from 'kysely';

/**
 * Break-glass (issue 4; SECURITY §1): a time-limited emergency grant of the case view for one user
 * and one child, with a coded reason and free text. It raises an oversight alert (rule
 * 'break_glass_used') for the child's council's information-governance officers; reviewing that
 * alert in the oversight queue records the grant's review here too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE break_glass_grants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id),
      child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      reason_code text NOT NULL CHECK (reason_code IN ('significant_harm', 'emergency_medical', 'police_emergency', 'missing_child', 'other')),
      reason_text text NOT NULL CHECK (length(reason_text) BETWEEN 1 AND 1000),
      granted_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      alert_id bigint REFERENCES access_alerts (id),
      review_status text NOT NULL DEFAULT 'open' CHECK (review_status IN ('open', 'appropriate', 'inappropriate', 'escalated')),
      reviewed_by uuid REFERENCES users (id),
      reviewed_at timestamptz,
      review_note text CHECK (length(review_note) <= 2000),
      CONSTRAINT break_glass_grants_period CHECK (expires_at > granted_at),
      CONSTRAINT break_glass_grants_review CHECK ((review_status = 'open') = (reviewed_at IS NULL) AND (reviewed_at IS NULL) = (reviewed_by IS NULL))
    )`.execute(db);
  // The access rule asks "does this user hold a live grant for this child?" on every case look.
  await sql`CREATE INDEX break_glass_grants_live_idx ON break_glass_grants (user_id, child_id, expires_at)`.execute(db);
  await sql`CREATE INDEX break_glass_grants_alert_idx ON break_glass_grants (alert_id)`.execute(db);
  await sql`ALTER TABLE access_alerts DROP CONSTRAINT access_alerts_rule_check`.execute(db);
  await sql`
    ALTER TABLE access_alerts ADD CONSTRAINT access_alerts_rule_check CHECK (rule IN (
      'bulk_viewing', 'out_of_hours', 'shared_surname', 'shielded_view', 'flagged_outside_council',
      'failed_sign_ins', 'broad_searching', 'break_glass_rate', 'break_glass_used'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS break_glass_grants`.execute(db);
  await sql`DELETE FROM access_alerts WHERE rule = 'break_glass_used'`.execute(db);
  await sql`ALTER TABLE access_alerts DROP CONSTRAINT access_alerts_rule_check`.execute(db);
  await sql`
    ALTER TABLE access_alerts ADD CONSTRAINT access_alerts_rule_check CHECK (rule IN (
      'bulk_viewing', 'out_of_hours', 'shared_surname', 'shielded_view', 'flagged_outside_council',
      'failed_sign_ins', 'broad_searching', 'break_glass_rate'))`.execute(db);
}
