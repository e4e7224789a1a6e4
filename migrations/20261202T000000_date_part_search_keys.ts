import { sql, type Kysely } from 'kysely';

const KINDS_BEFORE = [
  'family_name', 'given_name', 'family_name_metaphone', 'given_name_metaphone',
  'dob', 'dob_swapped', 'dob_year_family_metaphone', 'nhs_number', 'postcode',
  'dob_family_metaphone', 'dob_postcode', 'postcode_year_family_metaphone', 'year_family_metaphone_triple', 'year_family_metaphone_many',
];
/** DATE_PART_SOUND_KINDS in src/children/blind-index.ts. */
const DATE_PART_SOUND_KINDS = ['dob_month_family_metaphone', 'dob_day_family_metaphone'];

/**
 * The search's keys for a mistyped day or month of birth: the family-name sound with the birth
 * year and month, and with the year and day (DATE_PART_SOUND_KINDS in src/children/blind-index.ts).
 * Unlike the composite keys, they cannot be derived from stored values: they are keyed hashes of
 * the date of birth, which only the key opens. So existing children are queued here, and the
 * runtime gives them their values (src/children/search-key-backfill.ts) right after migrating,
 * before the service or any command uses the index. New and updated children get them from
 * BlindIndexer.entriesFor. Shredded children (no key) are not queued: they have no index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await setKinds(db, [...KINDS_BEFORE, ...DATE_PART_SOUND_KINDS]);
  await sql`CREATE TABLE search_key_backfill (child_id uuid PRIMARY KEY)`.execute(db);
  await sql`INSERT INTO search_key_backfill (child_id) SELECT child_id FROM child_keys`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE search_key_backfill`.execute(db);
  await sql`DELETE FROM child_blind_index WHERE kind = ANY(${DATE_PART_SOUND_KINDS}::text[])`.execute(db);
  await setKinds(db, KINDS_BEFORE);
}

async function setKinds(db: Kysely<unknown>, kinds: readonly string[]): Promise<void> {
  await sql`ALTER TABLE child_blind_index DROP CONSTRAINT child_blind_index_kind_check`.execute(db);
  await sql`ALTER TABLE child_blind_index ADD CONSTRAINT child_blind_index_kind_check CHECK (kind IN (${sql.join(kinds.map((k) => sql.lit(k)))}))`.execute(db);
}
