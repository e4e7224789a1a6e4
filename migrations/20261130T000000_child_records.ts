import { sql, type Kysely } from 'kysely';

/**
 * The rest of a child record (DOMAIN §3–§4, issue 3): linked identifiers, parents and carers,
 * earlier addresses, the shield and its named seal-holders, and a legal hold on retention.
 *
 * Identifier values and the shield's reason are sealed under the child's data key like the rest of
 * the identity; identifiers are found through a keyed hash (`lookup`), never through the value.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE children
      -- Sealed JSON lists: earlier addresses with dates, and people with parental responsibility.
      ADD COLUMN previous_addresses bytea,
      ADD COLUMN parents_carers bytea,
      -- A legal hold keeps the record past its retention date (e.g. litigation, an inquiry).
      ADD COLUMN legal_hold_reason text CHECK (length(legal_hold_reason) BETWEEN 1 AND 200),
      -- When the identity or facts last changed (a feed re-sending the same record changes nothing).
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`.execute(db);

  await sql`
    CREATE TABLE child_identifiers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      kind text COLLATE "C" NOT NULL CHECK (kind IN ('upn', 'council_child_id', 'police_reference', 'source_system')),
      -- Who issued it: the source system's name, the council's or force's code; '' for a UPN.
      issuer text COLLATE "C" NOT NULL CHECK (length(issuer) <= 100),
      -- HMAC-SHA256 (truncated) of kind, issuer and the normalised value under a KEK-derived key.
      lookup bytea NOT NULL,
      -- The value itself, sealed under the child's data key.
      value bytea NOT NULL,
      valid_from date,
      valid_to date,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT child_identifiers_valid_period CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
      -- One child per identifier: a retried feed finds the child it made before.
      CONSTRAINT child_identifiers_unique UNIQUE (kind, issuer, lookup)
    )`.execute(db);
  await sql`CREATE INDEX child_identifiers_child_idx ON child_identifiers (child_id)`.execute(db);

  await sql`
    CREATE TABLE child_shields (
      child_id uuid PRIMARY KEY REFERENCES children (id) ON DELETE CASCADE,
      -- The council that decided, and whose contact route a shielded record shows.
      council_id uuid NOT NULL REFERENCES organisations (id),
      -- Why, sealed under the child's data key: the reason can itself reveal where a child is.
      reason bytea NOT NULL,
      decided_by text NOT NULL CHECK (length(decided_by) BETWEEN 1 AND 200),
      decided_on date NOT NULL,
      review_on date NOT NULL,
      set_by_user_id uuid REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT child_shields_review_after_decision CHECK (review_on >= decided_on)
    )`.execute(db);

  await sql`
    CREATE TABLE child_seal_holders (
      child_id uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id),
      granted_by_user_id uuid REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (child_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX child_seal_holders_user_idx ON child_seal_holders (user_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['child_seal_holders', 'child_shields', 'child_identifiers']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
  await sql`
    ALTER TABLE children
      DROP COLUMN IF EXISTS previous_addresses, DROP COLUMN IF EXISTS parents_carers,
      DROP COLUMN IF EXISTS legal_hold_reason, DROP COLUMN IF EXISTS updated_at`.execute(db);
}
