import { sql, type Kysely } from 'kysely';

/**
 * The encrypted child identity store. Identifying fields are AES-256-GCM ciphertexts under a
 * per-child data key (`child_keys`); search goes through keyed blind indexes (`child_blind_index`),
 * so a dump of these tables reveals no name, date of birth, address or NHS number. Every table
 * carries `child_id` as its distribution key; the only other reference is to `organisations`,
 * a small reference table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE children (
      id uuid PRIMARY KEY,
      responsible_council_id uuid NOT NULL REFERENCES organisations (id),
      -- Why the record exists: Signpost holds only children who have come into contact with services.
      record_trigger text NOT NULL CHECK (record_trigger IN (
        'contact_referral_accepted', 'early_help', 'child_in_need', 's47_enquiry', 'child_protection_plan',
        'looked_after', 'care_leaver', 'unborn_child_protection_plan', 'operation_encompass')),
      trigger_date date NOT NULL,
      -- Sex alone does not identify a child, and access rules and statistics need it in the clear.
      sex text NOT NULL CHECK (sex IN ('male', 'female', 'unknown', 'indeterminate')),
      -- For an unborn child the sealed date of birth is the expected date of delivery.
      unborn boolean NOT NULL DEFAULT false,
      shielded boolean NOT NULL DEFAULT false,
      -- Sealed identity (version ‖ iv ‖ tag ‖ ciphertext), bound to child, field and key version.
      given_names bytea,
      family_name bytea NOT NULL,
      former_family_names bytea,
      date_of_birth bytea NOT NULL,
      address bytea NOT NULL,
      nhs_number bytea,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX children_council_idx ON children (responsible_council_id)`.execute(db);

  await sql`
    CREATE TABLE child_keys (
      -- Deleting this row crypto-shreds the child: every copy of the sealed fields, backups
      -- included, becomes unreadable.
      child_id uuid PRIMARY KEY REFERENCES children (id) ON DELETE CASCADE,
      key_version integer NOT NULL CHECK (key_version > 0),
      -- The child's 32-byte data key, sealed under the key-encryption key (never stored in the clear).
      wrapped_key bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE child_blind_index (
      -- No foreign key: checking one per row would slow bulk loads by a tenth, and rows go with
      -- their child through the children repository (crypto-shredding deletes them).
      child_id uuid NOT NULL,
      -- "C" collation: kinds are ASCII codes, and byte comparison keeps index inserts cheap.
      kind text COLLATE "C" NOT NULL CHECK (kind IN (
        'family_name', 'given_name', 'family_name_metaphone', 'given_name_metaphone',
        'dob', 'dob_swapped', 'dob_year_family_metaphone', 'nhs_number', 'postcode')),
      -- HMAC-SHA256 of the normalised value under a key derived from the KEK, truncated to 16 bytes.
      value bytea NOT NULL,
      -- Look-ups go (kind, value) -> child ids; child_id in the key keeps rows unique per child
      -- and lets the table be distributed by child_id.
      PRIMARY KEY (kind, value, child_id)
    )`.execute(db);
  await sql`CREATE INDEX child_blind_index_child_idx ON child_blind_index (child_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['child_blind_index', 'child_keys', 'children']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
