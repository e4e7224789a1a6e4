import { sql, type Kysely } from 'kysely';

/**
 * Single sign-on (OpenID Connect). An account is linked to one identity at its organisation's
 * provider by tenant + object id (Entra's `tid` + `oid`), never by email: mailboxes are renamed
 * and reused, object ids are not. Both or neither are set; a pair belongs to one account at most.
 *
 * `oidc_sign_in_attempts` holds a browser's sign-in in progress (state, nonce, PKCE verifier),
 * keyed by the SHA-256 of a random value kept in that browser's cookie. A row is deleted when
 * the provider sends the browser back, so each can be used once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN oidc_tenant_id text, ADD COLUMN oidc_object_id text`.execute(db);
  await sql`ALTER TABLE users ADD CONSTRAINT users_oidc_identity_key UNIQUE (oidc_tenant_id, oidc_object_id)`.execute(db);
  await sql`
    ALTER TABLE users ADD CONSTRAINT users_oidc_identity_complete
      CHECK ((oidc_tenant_id IS NULL) = (oidc_object_id IS NULL))`.execute(db);
  await sql`
    CREATE TABLE oidc_sign_in_attempts (
      browser_key_hash bytea PRIMARY KEY,
      state text NOT NULL,
      nonce text NOT NULL,
      code_verifier text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX oidc_sign_in_attempts_created_idx ON oidc_sign_in_attempts (created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS oidc_sign_in_attempts`.execute(db);
  await sql`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_oidc_identity_complete`.execute(db);
  await sql`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_oidc_identity_key`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN IF EXISTS oidc_object_id, DROP COLUMN IF EXISTS oidc_tenant_id`.execute(db);
}
