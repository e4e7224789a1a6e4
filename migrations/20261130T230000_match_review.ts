import { sql, type Kysely } from 'kysely';

/**
 * Online matching, the review queue, and reversible merges (issue 5, items 3–4).
 *
 * - `match_review_items`: a pair of children the matcher thinks may be one (between the review
 *   and automatic-link thresholds, or found by `signpost match dedupe`), the score and the
 *   per-comparison explanation (comparison names, levels and weights only: no child data), and the
 *   reviewer's decision with a reason. One item per unordered pair.
 * - `children.merged_into`: a merged record stays as a tombstone pointing at the survivor, so old
 *   child ids still resolve; its blind indexes are removed so it is never matched or found again.
 * - `child_merges` and `child_merge_moves`: every row a merge moved (and any column it had to
 *   change to fit, e.g. a second open lead professional), so an unmerge restores exactly that.
 *
 * Every table carries a child id as its distribution key. The app role gets its rights from the
 * default privileges of 20261130T200000_app_role; they are granted again here explicitly so a
 * migration run by another owner cannot leave the app without them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE children
      ADD COLUMN merged_into uuid REFERENCES children (id),
      ADD COLUMN merged_at timestamptz,
      ADD CONSTRAINT children_not_merged_into_self CHECK (merged_into IS NULL OR merged_into <> id)`.execute(db);
  await sql`CREATE INDEX children_merged_into_idx ON children (merged_into) WHERE merged_into IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE match_review_items (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      -- The newer record (the one a merge would fold away) and the one it may duplicate.
      incoming_child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      existing_child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      probability double precision NOT NULL CHECK (probability >= 0 AND probability <= 1),
      match_weight double precision NOT NULL,
      -- [{comparison, level, weight}]: what each comparison contributed, never a value.
      explanation jsonb NOT NULL,
      origin text NOT NULL CHECK (origin IN ('feed', 'practitioner', 'dedupe')),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'not_sure', 'same_child', 'different_children')),
      created_at timestamptz NOT NULL DEFAULT now(),
      decided_by_user_id uuid REFERENCES users (id),
      decided_at timestamptz,
      decision_reason text CHECK (length(decision_reason) BETWEEN 1 AND 1000),
      CONSTRAINT match_review_distinct CHECK (incoming_child_id <> existing_child_id),
      CONSTRAINT match_review_decided CHECK ((status = 'open') = (decided_at IS NULL))
    )`.execute(db);
  // One item per unordered pair: a re-sent feed or a second dedupe run adds nothing.
  await sql`CREATE UNIQUE INDEX match_review_pair_idx ON match_review_items (LEAST(incoming_child_id, existing_child_id), GREATEST(incoming_child_id, existing_child_id))`.execute(db);
  await sql`CREATE INDEX match_review_open_idx ON match_review_items (created_at) WHERE status IN ('open', 'not_sure')`.execute(db);
  await sql`CREATE INDEX match_review_existing_idx ON match_review_items (existing_child_id)`.execute(db);

  await sql`
    CREATE TABLE child_merges (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      survivor_child_id uuid NOT NULL REFERENCES children (id),
      merged_child_id uuid NOT NULL REFERENCES children (id),
      review_item_id bigint REFERENCES match_review_items (id),
      merged_by_user_id uuid REFERENCES users (id),
      merged_at timestamptz NOT NULL DEFAULT now(),
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
      unmerged_by_user_id uuid REFERENCES users (id),
      unmerged_at timestamptz,
      unmerge_reason text CHECK (length(unmerge_reason) BETWEEN 1 AND 1000),
      CONSTRAINT child_merges_distinct CHECK (survivor_child_id <> merged_child_id)
    )`.execute(db);
  // A record is folded into at most one survivor at a time.
  await sql`CREATE UNIQUE INDEX child_merges_live_idx ON child_merges (merged_child_id) WHERE unmerged_at IS NULL`.execute(db);
  await sql`CREATE INDEX child_merges_survivor_idx ON child_merges (survivor_child_id)`.execute(db);

  await sql`
    CREATE TABLE child_merge_moves (
      merge_id uuid NOT NULL REFERENCES child_merges (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('involvement', 'flag', 'area', 'identifier', 'seal_holder', 'shield')),
      -- The moved row's id (a user id for a seal-holder, the merged child's id for a shield).
      row_key text NOT NULL,
      -- Columns the merge changed on the row so it fitted the survivor, with their old values.
      restore jsonb NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (merge_id, kind, row_key)
    )`.execute(db);

  await sql`
    CREATE TABLE match_dedupe_runs (
      id text PRIMARY KEY,
      -- Blocking keys are scanned in (kind, value) order; the next key to read.
      cursor_kind text,
      cursor_value bytea,
      keys_done bigint NOT NULL DEFAULT 0,
      pairs_scored bigint NOT NULL DEFAULT 0,
      items_written bigint NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);

  for (const table of ['match_review_items', 'child_merges', 'child_merge_moves', 'match_dedupe_runs']) {
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.table(table)} TO signpost_app`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['match_dedupe_runs', 'child_merge_moves', 'child_merges', 'match_review_items']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`ALTER TABLE children DROP COLUMN IF EXISTS merged_into, DROP COLUMN IF EXISTS merged_at`.execute(db);
}
