import { sql, type Kysely } from 'kysely';

/**
 * Bulk feed imports (issue 3, item 7; src/imports). A run is one file from one source system,
 * known by the file's SHA-256: progress is committed after every batch, so running the same file
 * again after a crash continues from `rows_done`. Rejections name a line, a column and a reason —
 * never a value from the file, so neither table holds anything about a child.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE import_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      source_system text NOT NULL CHECK (length(source_system) BETWEEN 1 AND 64),
      file_sha256 bytea NOT NULL CHECK (length(file_sha256) = 32),
      file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
      -- The organisation the feed is imported for; its importers see the run's progress page.
      organisation_id uuid NOT NULL REFERENCES organisations (id),
      -- Who started it: a user through the upload page, or 'cli' (created_by_user_id null).
      created_by text NOT NULL CHECK (created_by IN ('user', 'cli')),
      created_by_user_id uuid REFERENCES users (id),
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
      -- Why a run failed part-way (e.g. the database went away); a re-run continues it.
      failure text CHECK (length(failure) <= 500),
      total_rows integer NOT NULL CHECK (total_rows >= 0),
      rows_done integer NOT NULL DEFAULT 0,
      created_count integer NOT NULL DEFAULT 0 CHECK (created_count >= 0),
      updated_count integer NOT NULL DEFAULT 0 CHECK (updated_count >= 0),
      unchanged_count integer NOT NULL DEFAULT 0 CHECK (unchanged_count >= 0),
      rejected_count integer NOT NULL DEFAULT 0 CHECK (rejected_count >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      CONSTRAINT import_runs_progress CHECK (rows_done BETWEEN 0 AND total_rows),
      CONSTRAINT import_runs_counts CHECK (created_count + updated_count + unchanged_count + rejected_count = rows_done),
      CONSTRAINT import_runs_user CHECK ((created_by = 'user') = (created_by_user_id IS NOT NULL)),
      CONSTRAINT import_runs_finished CHECK ((status = 'completed') = (finished_at IS NOT NULL))
    )`.execute(db);
  // At most one unfinished run per file and source: a re-run finds it and carries on.
  await sql`
    CREATE UNIQUE INDEX import_runs_unfinished_idx ON import_runs (source_system, file_sha256)
    WHERE status <> 'completed'`.execute(db);
  await sql`CREATE INDEX import_runs_organisation_idx ON import_runs (organisation_id, created_at DESC)`.execute(db);

  await sql`
    CREATE TABLE import_rejections (
      run_id uuid NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
      -- The physical line in the file where the rejected row starts.
      line integer NOT NULL CHECK (line > 0),
      -- The CSV column to fix; '' when the row as a whole is wrong (e.g. too many values).
      field text NOT NULL CHECK (length(field) <= 100),
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
      PRIMARY KEY (run_id, line, field)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS import_rejections`.execute(db);
  await sql`DROP TABLE IF EXISTS import_runs`.execute(db);
}
