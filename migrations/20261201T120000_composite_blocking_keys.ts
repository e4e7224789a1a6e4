import { sql, type Kysely } from 'kysely';

const SINGLE_KINDS = [
  'family_name', 'given_name', 'family_name_metaphone', 'given_name_metaphone',
  'dob', 'dob_swapped', 'dob_year_family_metaphone', 'nhs_number', 'postcode',
];
const COMPOSITE_KINDS = ['dob_family_metaphone', 'dob_postcode', 'postcode_year_family_metaphone', 'year_family_metaphone_triple', 'year_family_metaphone_many'];

/** MAX_CODES_FOR_TRIPLES in src/children/blind-index.ts when this migration was written. */
const MAX_CODES_FOR_TRIPLES = 12;

/** compositeValue (src/children/blind-index.ts) in SQL: SHA-256 of the kind, a unit separator and the parts' values, truncated to 16 bytes. */
function composite(kind: string, ...parts: ReturnType<typeof sql.ref>[]) {
  const joined = parts.reduce((acc, part) => sql`${acc} || ${part}`, sql`convert_to(${kind} || chr(31), 'UTF8')`);
  return sql`substring(sha256(${joined}) FROM 1 FOR 16)`;
}

/**
 * Composite blocking keys for the online matcher (COMPOSITE_KINDS in src/children/blind-index.ts):
 * each is a hash of two or three blind-index values a child already holds, so existing children get
 * theirs here, from their stored rows, without the key or any clear value. New and updated
 * children get them from BlindIndexer.entriesFor; a test holds the two alike.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await setKinds(db, [...SINGLE_KINDS, ...COMPOSITE_KINDS]);
  const pairs: [string, string, string][] = [
    ['dob_family_metaphone', 'dob', 'family_name_metaphone'],
    ['dob_postcode', 'dob', 'postcode'],
    ['postcode_year_family_metaphone', 'postcode', 'dob_year_family_metaphone'],
  ];
  for (const [kind, first, second] of pairs) {
    await sql`
      INSERT INTO child_blind_index (child_id, kind, value)
      SELECT a.child_id, ${kind}, ${composite(kind, sql.ref('a.value'), sql.ref('b.value'))}
      FROM child_blind_index a JOIN child_blind_index b ON b.child_id = a.child_id AND b.kind = ${second}
      WHERE a.kind = ${first}`.execute(db);
  }
  // Three of a child's sound-and-year values, in byte order; a child with more sounds than the
  // triples are kept for holds each of them again under year_family_metaphone_many instead.
  await sql`
    WITH codes AS MATERIALIZED (
      SELECT child_id, value, n FROM (
        SELECT child_id, value, count(*) OVER (PARTITION BY child_id) AS n
        FROM child_blind_index WHERE kind = 'dob_year_family_metaphone') counted
      WHERE n >= 3),
    triples AS (
      INSERT INTO child_blind_index (child_id, kind, value)
      SELECT a.child_id, 'year_family_metaphone_triple', ${composite('year_family_metaphone_triple', sql.ref('a.value'), sql.ref('b.value'), sql.ref('c.value'))}
      FROM codes a
      JOIN codes b ON b.child_id = a.child_id AND b.value > a.value
      JOIN codes c ON c.child_id = a.child_id AND c.value > b.value
      WHERE a.n <= ${MAX_CODES_FOR_TRIPLES})
    INSERT INTO child_blind_index (child_id, kind, value)
    SELECT child_id, 'year_family_metaphone_many', ${composite('year_family_metaphone_many', sql.ref('value'))}
    FROM codes WHERE n > ${MAX_CODES_FOR_TRIPLES}`.execute(db);
  // The planner's row estimates for the new kinds, before the first feed batch looks them up.
  await sql`ANALYZE child_blind_index`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM child_blind_index WHERE kind = ANY(${COMPOSITE_KINDS}::text[])`.execute(db);
  await setKinds(db, SINGLE_KINDS);
}

async function setKinds(db: Kysely<unknown>, kinds: readonly string[]): Promise<void> {
  await sql`ALTER TABLE child_blind_index DROP CONSTRAINT child_blind_index_kind_check`.execute(db);
  await sql`ALTER TABLE child_blind_index ADD CONSTRAINT child_blind_index_kind_check CHECK (kind IN (${sql.join(kinds.map((k) => sql.lit(k)))}))`.execute(db);
}
