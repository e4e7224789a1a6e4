import { sql, type Kysely } from 'kysely';

/**
 * Security keys and platform authenticators as a second factor (WebAuthn; SECURITY.md: MFA
 * everywhere, TOTP or WebAuthn). A credential belongs to one account; its id is the
 * authenticator's (base64url) and unique across accounts. `counter` is the signature counter last
 * seen: a response whose counter does not move forward is refused as a possible cloned key.
 *
 * The WebAuthn challenge of a registration or sign-in in progress lives on the session row, never
 * in the browser: one at a time, with what it is for and when it stops being accepted, and it is
 * cleared as it is read so it can be answered once.
 *
 * The app role's rights come from the default privileges of 20261130T200000_app_role, granted
 * again here explicitly so the table works even when migrations run as a different owner.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webauthn_credentials (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      credential_id text NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 16 AND 1400 AND credential_id ~ '^[A-Za-z0-9_-]+$'),
      public_key bytea NOT NULL CHECK (length(public_key) <= 2048),
      counter bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
      transports text[] NOT NULL DEFAULT '{}',
      nickname text NOT NULL CHECK (length(nickname) BETWEEN 1 AND 60),
      created_at timestamptz NOT NULL,
      last_used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id)`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON webauthn_credentials TO signpost_app`.execute(db);

  await sql`
    ALTER TABLE sessions
      ADD COLUMN webauthn_challenge text CHECK (length(webauthn_challenge) <= 200),
      ADD COLUMN webauthn_purpose text CHECK (webauthn_purpose IN ('registration', 'authentication')),
      ADD COLUMN webauthn_expires_at timestamptz,
      ADD CONSTRAINT sessions_webauthn_complete CHECK (
        (webauthn_challenge IS NULL) = (webauthn_purpose IS NULL) AND (webauthn_challenge IS NULL) = (webauthn_expires_at IS NULL))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_webauthn_complete,
      DROP COLUMN IF EXISTS webauthn_expires_at, DROP COLUMN IF EXISTS webauthn_purpose, DROP COLUMN IF EXISTS webauthn_challenge`.execute(db);
  await sql`DROP TABLE IF EXISTS webauthn_credentials`.execute(db);
}
