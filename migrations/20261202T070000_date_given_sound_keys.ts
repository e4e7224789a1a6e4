import { sql, type Kysely } from 'kysely';

const KINDS_BEFORE = [
  'family_name', 'family_name_metaphone', 'given_name_metaphone',
  'dob', 'dob_swapped', 'dob_year_family_metaphone', 'dob_month_family_metaphone', 'dob_day_family_metaphone', 'nhs_number', 'postcode',
  'dob_family_metaphone', 'dob_postcode', 'postcode_year_family_metaphone', 'year_family_metaphone_triple', 'year_family_metaphone_many',
];
const KIND = 'dob_given_metaphone';

/**
 * A child's date of birth with each of its given-name sounds (DATE_GIVEN_SOUND_KIND in
 * src/children/blind-index.ts), which a search ranks the children sharing its date by: for
 * existing children a hash of two values each already holds (as compositeValue makes it), so
 * derived here in SQL without the key. About two rows a child. New and updated children get
 * them from BlindIndexer.entriesFor; a test holds the two alike.
 */
/** Two million rows at 1M children: vacuumed after, so the search's index-only scans skip their heap pages. */
export const vacuumAfter = ['child_blind_index'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await setKinds(db, [...KINDS_BEFORE, KIND]);
  await sql`
    INSERT INTO child_blind_index (child_id, kind, value)
    SELECT d.child_id, ${KIND}, substring(sha256(convert_to(${KIND} || chr(31), 'UTF8') || d.value || g.value) FROM 1 FOR 16)
    FROM child_blind_index d JOIN child_blind_index g ON g.child_id = d.child_id AND g.kind = 'given_name_metaphone'
    WHERE d.kind = 'dob'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM child_blind_index WHERE kind = ${KIND}`.execute(db);
  await setKinds(db, KINDS_BEFORE);
}

async function setKinds(db: Kysely<unknown>, kinds: readonly string[]): Promise<void> {
  await sql`ALTER TABLE child_blind_index DROP CONSTRAINT child_blind_index_kind_check`.execute(db);
  await sql`ALTER TABLE child_blind_index ADD CONSTRAINT child_blind_index_kind_check CHECK (kind IN (${sql.join(kinds.map((k) => sql.lit(k)))}))`.execute(db);
}
