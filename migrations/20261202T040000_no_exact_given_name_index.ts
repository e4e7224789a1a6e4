import { sql, type Kysely } from 'kysely';

const KINDS_BEFORE = [
  'family_name', 'given_name', 'family_name_metaphone', 'given_name_metaphone',
  'dob', 'dob_swapped', 'dob_year_family_metaphone', 'dob_month_family_metaphone', 'dob_day_family_metaphone', 'nhs_number', 'postcode',
  'dob_family_metaphone', 'dob_postcode', 'postcode_year_family_metaphone', 'year_family_metaphone_triple', 'year_family_metaphone_many',
];

/**
 * The exact given names leave the blind index (BLIND_INDEX_KINDS in src/children/blind-index.ts):
 * no query read them, and they told a stolen dump which children share a first name. About one
 * and a half rows a child (212,661 for 145,302 children in the 100k benchmark world).
 *
 * Down allows the kind again but cannot put the rows back (they are keyed hashes of names, which
 * only the key makes); the version before never read them either, and stores them for children
 * it writes.
 */
/** The deletion touches nearly every page of the index's table (migrateToLatest vacuums it after). */
export const vacuumAfter = ['child_blind_index'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM child_blind_index WHERE kind = 'given_name'`.execute(db);
  await setKinds(db, KINDS_BEFORE.filter((kind) => kind !== 'given_name'));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setKinds(db, KINDS_BEFORE);
}

async function setKinds(db: Kysely<unknown>, kinds: readonly string[]): Promise<void> {
  await sql`ALTER TABLE child_blind_index DROP CONSTRAINT child_blind_index_kind_check`.execute(db);
  await sql`ALTER TABLE child_blind_index ADD CONSTRAINT child_blind_index_kind_check CHECK (kind IN (${sql.join(kinds.map((k) => sql.lit(k)))}))`.execute(db);
}
