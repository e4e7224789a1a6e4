import { sql, type Kysely } from 'kysely';

/**
 * In-app notifications (SECURITY §1, the CP-IS pattern; break-glass alerts). A notification goes
 * to one user, or to a council's duty inbox that its duty staff share. It names the child only by
 * reference and says who looked, from where, when and why: no child data, and never sent by email.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE notifications (
      id bigserial PRIMARY KEY,
      recipient_user_id uuid REFERENCES users (id),
      recipient_council_id uuid REFERENCES organisations (id),
      kind text NOT NULL CHECK (kind IN ('flagged_child_viewed', 'break_glass_used', 'shield_followed')),
      child_id uuid REFERENCES children (id) ON DELETE CASCADE,
      actor_user_id uuid REFERENCES users (id),
      actor_organisation_id uuid REFERENCES organisations (id),
      reason text CHECK (length(reason) <= 600),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT notifications_one_recipient CHECK ((recipient_user_id IS NULL) <> (recipient_council_id IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX notifications_user_idx ON notifications (recipient_user_id, created_at DESC) WHERE recipient_user_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX notifications_council_idx ON notifications (recipient_council_id, created_at DESC) WHERE recipient_council_id IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE notification_reads (
      notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id),
      read_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (notification_id, user_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS notification_reads`.execute(db);
  await sql`DROP TABLE IF EXISTS notifications`.execute(db);
}
