import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import { PREPARED } from '../platform/db/prepared.js';
import type { ChildrenTable } from '../platform/db/schema.js';
import { blockingWeights, type BlindIndexEntry, type BlockingProbe, type BlockingRule } from './blind-index.js';
import type { PreparedChild } from './child-sealer.js';
import type { SealedIdentity } from './child-crypto.js';
import type { ChildFacts } from './child-identity.js';

/**
 * Writes prepared children, their wrapped keys and blind indexes in ONE statement: three
 * `INSERT … SELECT FROM unnest(arrays)` joined by data-modifying CTEs. One round trip and one
 * plan per batch however many children it holds, and atomic on its own (a statement is a
 * transaction). A single statement also matters for bulk loads: the caller's thread is free to
 * seal the next batch for the whole time the database is writing this one.
 */
export async function insertPreparedChildren(db: DbOrTx, children: readonly PreparedChild[]): Promise<void> {
  if (children.length === 0) return;
  const ids = children.map((c) => c.facts.id);
  // Index rows name their child by position in the id array rather than repeating a 36-character
  // uuid per row: about ten index rows per child makes this the bulk of the bytes sent.
  const positions: number[] = [];
  const kinds: string[] = [];
  const values: Buffer[] = [];
  children.forEach((child, i) => {
    for (const entry of child.blindIndex) {
      positions.push(i + 1);
      kinds.push(entry.kind);
      values.push(entry.value);
    }
  });
  await sql`
    WITH new_children AS (
      INSERT INTO children (id, responsible_council_id, record_trigger, trigger_date, sex, unborn, shielded,
                            given_names, family_name, former_family_names, date_of_birth, address, nhs_number,
                            previous_addresses, parents_carers)
      SELECT * FROM unnest(
        ${ids}::uuid[], ${children.map((c) => c.facts.responsibleCouncilId)}::uuid[],
        ${children.map((c) => c.facts.recordTrigger)}::text[], ${children.map((c) => c.facts.triggerDate)}::date[],
        ${children.map((c) => c.facts.sex)}::text[], ${children.map((c) => c.facts.unborn)}::boolean[],
        ${children.map((c) => c.facts.shielded)}::boolean[],
        ${children.map((c) => c.sealed.givenNames)}::bytea[], ${children.map((c) => c.sealed.familyName)}::bytea[],
        ${children.map((c) => c.sealed.formerFamilyNames)}::bytea[], ${children.map((c) => c.sealed.dateOfBirth)}::bytea[],
        ${children.map((c) => c.sealed.address)}::bytea[], ${children.map((c) => c.sealed.nhsNumber)}::bytea[],
        ${children.map((c) => c.sealed.previousAddresses)}::bytea[], ${children.map((c) => c.sealed.parentsCarers)}::bytea[])
    ), new_keys AS (
      INSERT INTO child_keys (child_id, key_version, wrapped_key, wrap_version)
      SELECT * FROM unnest(${ids}::uuid[], ${children.map((c) => c.keyVersion)}::integer[], ${children.map((c) => c.wrappedKey)}::bytea[],
                           ${children.map((c) => c.wrapVersion)}::integer[])
    )
    INSERT INTO child_blind_index (child_id, kind, value)
    SELECT (${ids}::uuid[])[t.position], t.kind, t.value
    FROM unnest(${positions}::integer[], ${kinds}::text[], ${values}::bytea[]) AS t(position, kind, value)`.execute(db);
}

export async function countChildren(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('children').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return row.n;
}

export async function childExists(db: DbOrTx, childId: string): Promise<boolean> {
  const row = await db.selectFrom('children').select('id').where('id', '=', childId).executeTakeFirst();
  return row !== undefined;
}

/** A column computed against a child's row (the table aliased `c`), read alongside it. */
export type AlongsideColumn = RawBuilder<unknown>;

/**
 * The child's row with its wrapped key (null key columns once the child has been shredded), and
 * the `alongside` columns, by name, in the same statement: a signpost look reads its access facts
 * with the row, one round trip instead of two.
 */
export function findSealedChild(db: DbOrTx, childId: string, alongside: Readonly<Record<string, AlongsideColumn>> = {}) {
  return db.selectFrom('children as c')
    .modifyFront(PREPARED)
    .leftJoin('child_keys as k', 'k.child_id', 'c.id')
    .select([
      'c.id', 'c.responsible_council_id', 'c.record_trigger', 'c.trigger_date', 'c.sex',
      'c.unborn', 'c.shielded', 'c.given_names', 'c.family_name', 'c.former_family_names',
      'c.date_of_birth', 'c.address', 'c.nhs_number', 'c.previous_addresses', 'c.parents_carers',
      'k.key_version', 'k.wrapped_key', 'k.wrap_version',
    ])
    .select(Object.entries(alongside).map(([name, column]) => column.as(name)))
    .where('c.id', '=', childId)
    .executeTakeFirst();
}

/** The clear columns of a child's row (ChildFacts), as every read selects them. */
const FACT_COLUMNS = [
  'children.id', 'children.responsible_council_id', 'children.record_trigger', 'children.trigger_date', 'children.sex',
  'children.unborn', 'children.shielded',
] as const;
const KEY_COLUMNS = ['child_keys.key_version', 'child_keys.wrapped_key', 'child_keys.wrap_version'] as const;

/** A row's clear columns, as selected with FACT_COLUMNS. */
export type FactColumns = Pick<Selectable<ChildrenTable>, 'id' | 'responsible_council_id' | 'record_trigger' | 'trigger_date' | 'sex' | 'unborn' | 'shielded'>;

/** Several children's rows with their wrapped keys in one round trip (the online matcher's candidates). */
export function findSealedChildren(db: DbOrTx, childIds: readonly string[]) {
  return db.selectFrom('children')
    .innerJoin('child_keys', 'child_keys.child_id', 'children.id')
    .select([
      ...FACT_COLUMNS, 'children.given_names', 'children.family_name', 'children.former_family_names',
      'children.date_of_birth', 'children.address', 'children.nhs_number', 'children.previous_addresses', 'children.parents_carers',
      ...KEY_COLUMNS,
    ])
    .where('children.id', 'in', childIds)
    .execute();
}

/** Several children's names, date of birth and NHS number with their wrapped keys (a search's candidates). */
export function findSealedPersonFields(db: DbOrTx, childIds: readonly string[]) {
  return db.selectFrom('children')
    .innerJoin('child_keys', 'child_keys.child_id', 'children.id')
    .select([...FACT_COLUMNS, 'children.given_names', 'children.family_name', 'children.former_family_names', 'children.date_of_birth', 'children.nhs_number', ...KEY_COLUMNS])
    .where('children.id', 'in', childIds)
    .execute();
}

/** Crypto-shredding: the data key and the blind indexes go; the sealed fields stay unreadable. */
export async function deleteChildKeyAndIndex(db: DbOrTx, childId: string): Promise<boolean> {
  await db.deleteFrom('child_blind_index').where('child_id', '=', childId).execute();
  // Identifier hashes go too: a shredded child must not be findable by its UPN or source id.
  await db.deleteFrom('child_identifiers').where('child_id', '=', childId).execute();
  const result = await db.deleteFrom('child_keys').where('child_id', '=', childId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Children sharing any of the given blind-index values, most shared values first. With `weights`
 * (per kind; kinds not listed count 1), children are ranked by the summed weight of the values
 * they share, and those below `minScore` are left out.
 */
export async function findChildIdsByBlindIndex(db: DbOrTx, entries: readonly BlindIndexEntry[], limit: number, ranking: { weights?: Partial<Record<BlindIndexEntry['kind'], number>>; minScore?: number } = {}): Promise<{ childId: string; hits: number }[]> {
  if (entries.length === 0) return [];
  const weights = entries.map((e) => ranking.weights?.[e.kind] ?? 1);
  const { rows } = await sql<{ child_id: string; hits: number }>`
    SELECT b.child_id, sum(p.weight)::integer AS hits
    FROM child_blind_index b
    JOIN unnest(${entries.map((e) => e.kind)}::text[], ${entries.map((e) => e.value)}::bytea[], ${weights}::integer[]) AS p(kind, value, weight)
      ON b.kind = p.kind AND b.value = p.value
    GROUP BY b.child_id
    HAVING sum(p.weight) >= ${ranking.minScore ?? 1}
    ORDER BY hits DESC, b.child_id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ childId: r.child_id, hits: r.hits }));
}

/**
 * For each probe, the children holding one of its `keys` (BlindIndexer.blockingKeysFor), scored
 * by the rule as the `ranking` values (dob, dob_swapped, dob_year_family_metaphone, nhs_number,
 * postcode) would score them, at least `minScore`, best first, ties by id, at most `limit` per
 * probe. One statement for a feed's whole batch; the keys are shared by a few children each at
 * any scale, where the ranking values' own posting lists (a date of birth, a postcode) grow with
 * the index.
 *
 * The keys a pair matches give its score without reading more: a dob_postcode match means the
 * date and the postcode agree; a dob_family_metaphone match, the date (and one sound each); a
 * postcode_year_family_metaphone match, the postcode (and one sound each in the year). Once the
 * date (or, failing that, the postcode) is known to agree, every shared sound has matched under
 * it, so its matches count the sounds; and had the date or the postcode agreed with any sound
 * shared, one of those would have matched. So a pair found by sounds alone shares neither: its
 * sounds are its plain dob_year_family_metaphone matches (a probe with too many sounds for
 * triples), or else the n of its C(n, 3) triples. A pair found by nothing but an NHS number or a
 * year_family_metaphone_many value is scored from its ranking values, each checked through the primary key:
 * a few pairs a batch (checking every pair that way cost as much as the posting lists).
 */
export async function findChildIdsByBlockingKeysForEach(db: DbOrTx, probes: readonly BlockingProbe[], limit: number, rule: BlockingRule): Promise<{ childId: string; hits: number }[][]> {
  const keys = flattenProbes(probes.map((p) => p.keys));
  const ranked = flattenProbes(probes.map((p) => p.ranking), blockingWeights(rule));
  const found: { childId: string; hits: number }[][] = probes.map(() => []);
  if (keys.positions.length === 0) return found;
  const { rows } = await sql<{ probe: number; child_id: string; hits: number }>`
    WITH ranking AS MATERIALIZED (
      SELECT * FROM unnest(${ranked.positions}::integer[], ${ranked.kinds}::text[], ${ranked.values}::bytea[], ${ranked.weights}::integer[]) AS r(probe, kind, value, weight)
    ), pairs AS (
      SELECT k.probe, b.child_id,
             bool_or(k.kind IN ('dob_postcode', 'dob_family_metaphone')) AS dob,
             bool_or(k.kind IN ('dob_postcode', 'postcode_year_family_metaphone')) AS postcode,
             bool_or(k.kind = 'nhs_number') AS nhs,
             count(*) FILTER (WHERE k.kind = 'dob_family_metaphone') AS dob_sounds,
             count(*) FILTER (WHERE k.kind = 'postcode_year_family_metaphone') AS postcode_sounds,
             count(*) FILTER (WHERE k.kind = 'dob_year_family_metaphone') AS sounds,
             count(*) FILTER (WHERE k.kind = 'year_family_metaphone_triple') AS triples
      FROM unnest(${keys.positions}::integer[], ${keys.kinds}::text[], ${keys.values}::bytea[]) AS k(probe, kind, value)
      JOIN child_blind_index b ON b.kind = k.kind AND b.value = k.value
      GROUP BY k.probe, b.child_id
    ), scored AS MATERIALIZED (
      SELECT p.probe, p.child_id, (CASE WHEN p.nhs THEN ${rule.nhsNumber} ELSE 0 END + CASE
        WHEN p.dob OR p.postcode THEN
          (CASE WHEN p.dob THEN ${rule.dob} ELSE 0 END) + (CASE WHEN p.postcode THEN ${rule.postcode} ELSE 0 END)
          + ${rule.sound} * (CASE WHEN p.dob THEN p.dob_sounds ELSE p.postcode_sounds END)
        WHEN p.sounds > 0 THEN ${rule.sound} * p.sounds
        -- n sounds shared make n(n-1)(n-2)/6 triples; for n >= 3 this rounds back to n exactly.
        WHEN p.triples > 0 THEN ${rule.sound} * round(cbrt(6 * p.triples) + 1)
        ELSE (SELECT coalesce(sum(r.weight), 0) FROM ranking r
              WHERE r.probe = p.probe AND r.kind <> 'nhs_number'
                AND EXISTS (SELECT 1 FROM child_blind_index b WHERE b.kind = r.kind AND b.value = r.value AND b.child_id = p.child_id))
        END)::integer AS hits
      FROM pairs p
    )
    SELECT probe, child_id, hits FROM (
      SELECT probe, child_id, hits, row_number() OVER (PARTITION BY probe ORDER BY hits DESC, child_id) AS rank
      FROM scored WHERE hits >= ${rule.minScore}) ranked
    WHERE rank <= ${limit}
    ORDER BY probe, rank`.execute(db);
  for (const r of rows) found[r.probe]!.push({ childId: r.child_id, hits: r.hits });
  return found;
}

/**
 * Every blind-index value of these kinds that a shielded child (of `childIds`, if given) holds. Shielded children are a few
 * in a thousand, so this is read whole (through the partial index of shielded ids) rather than
 * joined against each incoming record's posting lists, which at national scale almost always
 * hold some shielded child.
 */
export async function findShieldedChildrenEntries(db: DbOrTx, kinds: readonly BlindIndexEntry['kind'][], childIds?: readonly string[]): Promise<{ childId: string; kind: BlindIndexEntry['kind']; value: Buffer }[]> {
  const { rows } = await sql<{ child_id: string; kind: BlindIndexEntry['kind']; value: Buffer }>`
    SELECT b.child_id, b.kind, b.value
    FROM children c JOIN child_blind_index b ON b.child_id = c.id
    WHERE c.shielded AND b.kind = ANY(${kinds}::text[]) ${childIds === undefined ? sql`` : sql`AND c.id = ANY(${childIds}::uuid[])`}`.execute(db);
  return rows.map((r) => ({ childId: r.child_id, kind: r.kind, value: r.value }));
}

/**
 * Each shielded child's id with its `updated_at` as exact text: every write that shields or
 * unshields a child or changes its identity (and so its blind indexes) sets it, so a changed
 * value says which children's keys to read again. Read through the partial index of shielded ids.
 */
export async function findShieldedChildrenVersions(db: DbOrTx): Promise<{ childId: string; version: string }[]> {
  const { rows } = await sql<{ id: string; version: string }>`SELECT id, updated_at::text AS version FROM children WHERE shielded`.execute(db);
  return rows.map((r) => ({ childId: r.id, version: r.version }));
}

/** Many probes' entries as parallel arrays, each entry tagged with its probe's position. */
function flattenProbes(probes: readonly (readonly BlindIndexEntry[])[], weightOf?: Partial<Record<BlindIndexEntry['kind'], number>>) {
  const positions: number[] = [];
  const kinds: string[] = [];
  const values: Buffer[] = [];
  const weights: number[] = [];
  probes.forEach((entries, probe) => {
    for (const e of entries) {
      positions.push(probe);
      kinds.push(e.kind);
      values.push(e.value);
      weights.push(weightOf?.[e.kind] ?? 1);
    }
  });
  return { positions, kinds, values, weights };
}

/** A blind-index value with the weight a shared value adds to a candidate's rank. */
export interface WeightedEntry extends BlindIndexEntry {
  weight: number;
}

/** Replaces a child's sealed identity, clear facts and blind indexes (an update from its source). */
export async function updateSealedChild(db: DbOrTx, facts: Omit<ChildFacts, 'shielded'>, sealed: SealedIdentity, blindIndex: readonly BlindIndexEntry[]): Promise<void> {
  await db.updateTable('children').set({
    responsible_council_id: facts.responsibleCouncilId,
    record_trigger: facts.recordTrigger,
    trigger_date: facts.triggerDate,
    sex: facts.sex,
    unborn: facts.unborn,
    given_names: sealed.givenNames,
    family_name: sealed.familyName,
    former_family_names: sealed.formerFamilyNames,
    date_of_birth: sealed.dateOfBirth,
    address: sealed.address,
    nhs_number: sealed.nhsNumber,
    previous_addresses: sealed.previousAddresses,
    parents_carers: sealed.parentsCarers,
    updated_at: sql<Date>`now()`,
  }).where('id', '=', facts.id).execute();
  await db.deleteFrom('child_blind_index').where('child_id', '=', facts.id).execute();
  if (blindIndex.length > 0) {
    await db.insertInto('child_blind_index').values(blindIndex.map((e) => ({ child_id: facts.id, kind: e.kind, value: e.value }))).execute();
  }
}
