import { sql, type Kysely } from 'kysely';

/**
 * Foundation: organisations, practitioners, user accounts with MFA and vetting dates, server-side
 * sessions, and OAuth clients for agency systems. Every table is keyed so it can later be
 * distributed (no cross-shard foreign keys beyond small reference tables like organisations).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE EXTENSION IF NOT EXISTS fuzzystrmatch`.execute(db);

  await sql`
    CREATE TABLE organisations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('council', 'police', 'nhs_trust', 'gp_practice', 'school', 'voluntary', 'national')),
      name text NOT NULL,
      -- The council whose area a school, GP practice or service sits in.
      council_id uuid REFERENCES organisations (id),
      office_hours_phone text,
      emergency_duty_phone text,
      email text,
      urn text,
      ods_code text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE practitioners (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organisation_id uuid NOT NULL REFERENCES organisations (id),
      name text NOT NULL,
      role text NOT NULL,
      team text,
      phone text,
      email text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX practitioners_organisation_idx ON practitioners (organisation_id)`.execute(db);

  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organisation_id uuid NOT NULL REFERENCES organisations (id),
      practitioner_id uuid REFERENCES practitioners (id),
      email text NOT NULL,
      display_name text NOT NULL,
      role text NOT NULL,
      password_hash text NOT NULL,
      -- TOTP secret, AES-256-GCM under the key-encryption key; never stored in the clear.
      totp_secret bytea,
      totp_enrolled_at timestamptz,
      -- Highest TOTP time step accepted, so a code cannot be replayed.
      totp_last_step bigint NOT NULL DEFAULT 0,
      dbs_checked_on date NOT NULL,
      training_completed_on date NOT NULL,
      agreement_signed_on date NOT NULL,
      failed_signins integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      disabled_at timestamptz,
      last_signed_in_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`.execute(db);

  await sql`
    CREATE TABLE sessions (
      -- SHA-256 of the cookie value: a stolen table cannot be replayed as cookies.
      id_hash bytea PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      stage text NOT NULL CHECK (stage IN ('mfa_enrolment', 'mfa_challenge', 'active')),
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      ended_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sessions_user_idx ON sessions (user_id)`.execute(db);

  await sql`
    CREATE TABLE api_clients (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      client_id text NOT NULL UNIQUE,
      secret_hash bytea NOT NULL,
      organisation_id uuid NOT NULL REFERENCES organisations (id),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      disabled_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE api_tokens (
      token_hash bytea PRIMARY KEY,
      api_client_id uuid NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX api_tokens_expiry_idx ON api_tokens (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['api_tokens', 'api_clients', 'sessions', 'users', 'practitioners', 'organisations']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
