import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { ChildrenTable } from '../platform/db/schema.js';
import type { BlindIndexEntry } from './blind-index.js';
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
 * {@link findChildIdsByBlindIndex} for many probes in one statement (a feed's batch of incoming
 * records): each probe's children ranked as that function ranks them, at most `limit` per probe.
 * One round trip and one plan for the batch instead of one per record.
 */
export async function findChildIdsByBlindIndexForEach(db: DbOrTx, probes: readonly (readonly BlindIndexEntry[])[], limit: number, ranking: { weights?: Partial<Record<BlindIndexEntry['kind'], number>>; minScore?: number } = {}): Promise<{ childId: string; hits: number }[][]> {
  const { positions, kinds, values, weights } = flattenProbes(probes, ranking.weights);
  const found: { childId: string; hits: number }[][] = probes.map(() => []);
  if (positions.length === 0) return found;
  const { rows } = await sql<{ probe: number; child_id: string; hits: number }>`
    SELECT probe, child_id, hits FROM (
      SELECT p.probe, b.child_id, sum(p.weight)::integer AS hits,
             row_number() OVER (PARTITION BY p.probe ORDER BY sum(p.weight) DESC, b.child_id) AS rank
      FROM child_blind_index b
      JOIN unnest(${positions}::integer[], ${kinds}::text[], ${values}::bytea[], ${weights}::integer[]) AS p(probe, kind, value, weight)
        ON b.kind = p.kind AND b.value = p.value
      GROUP BY p.probe, b.child_id
      HAVING sum(p.weight) >= ${ranking.minScore ?? 1}) ranked
    WHERE rank <= ${limit}
    ORDER BY probe, rank`.execute(db);
  for (const r of rows) found[r.probe]!.push({ childId: r.child_id, hits: r.hits });
  return found;
}

/**
 * Every blind-index value of these kinds that a shielded child holds. Shielded children are a few
 * in a thousand, so this is read whole (through the partial index of shielded ids) rather than
 * joined against each incoming record's posting lists, which at national scale almost always
 * hold some shielded child.
 */
export async function findShieldedChildrenEntries(db: DbOrTx, kinds: readonly BlindIndexEntry['kind'][]): Promise<{ childId: string; kind: BlindIndexEntry['kind']; value: Buffer }[]> {
  const { rows } = await sql<{ child_id: string; kind: BlindIndexEntry['kind']; value: Buffer }>`
    SELECT b.child_id, b.kind, b.value
    FROM children c JOIN child_blind_index b ON b.child_id = c.id
    WHERE c.shielded AND b.kind = ANY(${kinds}::text[])`.execute(db);
  return rows.map((r) => ({ childId: r.child_id, kind: r.kind, value: r.value }));
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
