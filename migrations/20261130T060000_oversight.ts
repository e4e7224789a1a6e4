import { sql, type Kysely } from 'kysely';

/**
 * Oversight (issue 4, item 5; src/oversight): alerts raised by the anomaly rules over the sealed
 * audit, worked by the council's information-governance officers, and where the scan has got to.
 *
 * No foreign keys on the subject or the child: an alert outlives a deleted account and a child
 * crypto-shredded at the end of retention, exactly as the audit entries it points at do. The
 * summary is plain words written by the rules (counts and times), never a child's details.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE access_alerts (
      id bigserial PRIMARY KEY,
      rule text NOT NULL CHECK (rule IN (
        'bulk_viewing', 'out_of_hours', 'shared_surname', 'shielded_view', 'flagged_outside_council',
        'failed_sign_ins', 'broad_searching', 'break_glass_rate')),
      -- Whose behaviour raised it: a person, or an agency system.
      subject_user_id uuid,
      subject_api_client text CHECK (length(subject_api_client) <= 100),
      subject_key text GENERATED ALWAYS AS (coalesce(subject_user_id::text, 'client:' || subject_api_client)) STORED NOT NULL,
      -- The subject's organisation.
      organisation_id uuid,
      -- Whose information-governance officers work it: the child's responsible council, or else
      -- the council of the subject's organisation.
      council_id uuid,
      child_id uuid,
      -- What makes two raisings the same alert: a burst's first entry time, a night, a child, a day.
      window_key text NOT NULL CHECK (length(window_key) <= 200),
      window_start timestamptz NOT NULL,
      window_end timestamptz NOT NULL,
      raised_at timestamptz NOT NULL,
      summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 300),
      audit_entry_ids bigint[] NOT NULL CHECK (cardinality(audit_entry_ids) > 0),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'appropriate', 'inappropriate', 'escalated')),
      reviewed_by uuid,
      reviewed_at timestamptz,
      review_note text CHECK (length(review_note) <= 2000),
      CONSTRAINT access_alerts_one_subject CHECK ((subject_user_id IS NULL) <> (subject_api_client IS NULL)),
      CONSTRAINT access_alerts_window CHECK (window_end >= window_start),
      CONSTRAINT access_alerts_review CHECK ((status = 'open') = (reviewed_at IS NULL) AND (reviewed_at IS NULL) = (reviewed_by IS NULL)),
      -- The same rule never raises the same alert twice for one subject and window: a rescan, or a
      -- burst seen across two scans, adds its entries to the alert already there.
      CONSTRAINT access_alerts_once UNIQUE (rule, subject_key, window_key)
    )`.execute(db);
  // The queue: one council's alerts, open first, newest first.
  await sql`CREATE INDEX access_alerts_queue_idx ON access_alerts (council_id, (status <> 'open'), raised_at DESC, id DESC)`.execute(db);
  // Burst rules look up the windows already raised for a subject near the batch being scanned.
  await sql`CREATE INDEX access_alerts_subject_window_idx ON access_alerts (subject_key, rule, window_end)`.execute(db);

  // Where the scan has got to, in the audit tree's order: leaves below `next_leaf_index` have been
  // scanned. Leaf order, not entry id order, because an entry committed late with a low id is
  // sealed (and so scanned) after higher ids: a "last entry id" high-water mark would skip it.
  await sql`
    CREATE TABLE oversight_state (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      next_leaf_index bigint NOT NULL CHECK (next_leaf_index >= 0),
      -- The entry behind the last leaf scanned, for people reading the table.
      last_entry_id bigint,
      scanned_at timestamptz
    )`.execute(db);
  await sql`INSERT INTO oversight_state (id, next_leaf_index) VALUES (true, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS oversight_state`.execute(db);
  await sql`DROP TABLE IF EXISTS access_alerts`.execute(db);
}
