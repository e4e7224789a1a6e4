import { sql, type Kysely } from 'kysely';

/**
 * Who is involved with a child, the child's status flags, and which councils have held the child
 * (DOMAIN §2–§4). Every table carries `child_id`, the distribution key; the other references are
 * to the small directory tables (organisations, practitioners).
 *
 * Periods are half-open: an involvement, flag or area holds from its start date up to, but not
 * on, its end date, so a handover on one day never shows two holders at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE involvements (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      organisation_id uuid NOT NULL REFERENCES organisations (id),
      -- Null for a team-level involvement (a duty team, a clinic) with no named practitioner.
      practitioner_id uuid REFERENCES practitioners (id),
      service text NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
      role text NOT NULL CHECK (role IN (
        'lead_professional', 'lead_child_protection_practitioner', 'family_help_lead_practitioner',
        'allocated_social_worker', 'designated_safeguarding_lead', 'gp', 'health_visitor', 'school_nurse',
        'midwife', 'police_contact', 'independent_reviewing_officer', 'personal_adviser', 'family_support_worker',
        'camhs_practitioner', 'youth_worker', 'other')),
      is_lead_professional boolean NOT NULL DEFAULT false,
      -- How to reach the practitioner or team (phone, email, duty line): never the child's details.
      contact_route text CHECK (length(contact_route) <= 200),
      started_on date NOT NULL,
      ended_on date,
      -- DfE worker-change codes (SSDA903 SWEpisodes SW_REASON).
      end_reason text CHECK (end_reason IN ('MANAGE', 'FCONTA', 'LEFTRL', 'ORGRST', 'TSPROC', 'ABSENC', 'CHCHAN', 'PCCHAN', 'SWDIED', 'OTHERS')),
      -- The fact that an early help assessment is held, never the assessment (DOMAIN §3).
      holds_early_help_assessment boolean NOT NULL DEFAULT false,
      -- Sensitive services are hidden unless consent or a significant-harm basis is recorded (DOMAIN §4).
      sensitive_service text CHECK (sensitive_service IN ('sexual_health', 'mental_health', 'substance_misuse')),
      sensitive_basis text CHECK (sensitive_basis IN ('consent', 'significant_harm')),
      -- Idempotent feeds: a retried message from another system never adds a second involvement.
      source_system text,
      source_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT involvements_ended_after_start CHECK (ended_on IS NULL OR ended_on >= started_on),
      CONSTRAINT involvements_reason_only_when_ended CHECK (end_reason IS NULL OR ended_on IS NOT NULL),
      CONSTRAINT involvements_basis_needs_service CHECK (sensitive_basis IS NULL OR sensitive_service IS NOT NULL),
      CONSTRAINT involvements_source_pair CHECK ((source_system IS NULL) = (source_id IS NULL)),
      CONSTRAINT involvements_source_key UNIQUE (source_system, source_id)
    )`.execute(db);
  await sql`CREATE INDEX involvements_child_idx ON involvements (child_id)`.execute(db);
  // A child has at most one open lead professional: the person everyone else calls first.
  await sql`CREATE UNIQUE INDEX involvements_one_lead_idx ON involvements (child_id) WHERE is_lead_professional AND ended_on IS NULL`.execute(db);
  // Caseloads and "who does this practitioner work with" (the legitimate-relationship check).
  await sql`CREATE INDEX involvements_practitioner_idx ON involvements (practitioner_id) WHERE practitioner_id IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE child_flags (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN (
        'early_help', 'child_in_need', 'child_protection_plan', 'looked_after', 'unborn_child_protection_plan', 'care_leaver')),
      -- Its office-hours and emergency-duty numbers are the contact route shown with the flag.
      responsible_council_id uuid NOT NULL REFERENCES organisations (id),
      started_on date NOT NULL,
      ended_on date,
      source_system text,
      source_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT child_flags_ended_after_start CHECK (ended_on IS NULL OR ended_on >= started_on),
      CONSTRAINT child_flags_source_pair CHECK ((source_system IS NULL) = (source_id IS NULL)),
      CONSTRAINT child_flags_source_key UNIQUE (source_system, source_id)
    )`.execute(db);
  await sql`CREATE INDEX child_flags_child_idx ON child_flags (child_id)`.execute(db);
  // One open flag of each kind: a plan moving council ends in one area and starts in the next.
  await sql`CREATE UNIQUE INDEX child_flags_one_open_idx ON child_flags (child_id, kind) WHERE ended_on IS NULL`.execute(db);

  await sql`
    CREATE TABLE area_history (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      council_id uuid NOT NULL REFERENCES organisations (id),
      from_date date NOT NULL,
      -- The day the child moved on; null for the current area.
      to_date date,
      reason text CHECK (length(reason) <= 200),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT area_history_to_after_from CHECK (to_date IS NULL OR to_date >= from_date)
    )`.execute(db);
  await sql`CREATE INDEX area_history_child_idx ON area_history (child_id)`.execute(db);
  // The open row is the current area, so there is only ever one.
  await sql`CREATE UNIQUE INDEX area_history_one_current_idx ON area_history (child_id) WHERE to_date IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['area_history', 'child_flags', 'involvements']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
