import { sql, type RawBuilder } from 'kysely';
import type { Db, DbOrTx, Tx } from '../platform/db/database.js';
import type { AuditEntry, StampedAuditEntry } from './audit-entry.js';

/** Inserts one entry; a trigger stamps `entry_xid` with the writing transaction's id, which the sealer reads. */
export async function insertAuditEntry(db: DbOrTx, entry: AuditEntry, salt: Buffer): Promise<void> {
  await insertAuditEntries(db, [{ entry, salt }]);
}

/** Inserts many entries in one statement (imports, benchmarks); same columns as insertAuditEntry. */
export async function insertAuditEntries(db: DbOrTx, entries: readonly StampedAuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 2_000) await auditEntriesInsert(db, entries.slice(i, i + 2_000)).execute();
}

/**
 * The INSERT of entries, not yet run: a statement that does more than write its entry (a search)
 * embeds it as a data-modifying CTE, so the entry commits with that statement or not at all.
 */
export function auditEntriesInsert(db: DbOrTx, entries: readonly StampedAuditEntry[]) {
  return db.insertInto('audit_entries').values(entries.map(({ entry, salt }) => ({
    occurred_at: entry.occurredAt,
    actor_user_id: entry.actorUserId ?? null,
    actor_api_client: entry.actorApiClient ?? null,
    actor_organisation_id: entry.actorOrganisationId ?? null,
    actor_role: entry.actorRole ?? null,
    action: entry.action,
    child_id: entry.childId ?? null,
    basis: entry.basis ?? null,
    reason: entry.reason ?? null,
    outcome: entry.outcome,
    request_id: entry.requestId ?? null,
    salt,
  })));
}

/** Serialises sealers across processes for the rest of the transaction. */
export async function lockSealer(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('signpost.audit.sealer'))`.execute(tx);
}

/**
 * Runs `work` in one REPEATABLE READ, READ ONLY transaction: every query sees the same snapshot,
 * so a verifier never mistakes a seal committed half-way through its reading for tampering.
 */
export function inSnapshot<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work);
}

/**
 * Exports the snapshot of the open transaction `tx` so other connections can read exactly what it
 * sees (valid until `tx` ends): the verifier's threads read their share of the log in it.
 */
export async function exportSnapshot(tx: Tx): Promise<string> {
  const { rows } = await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(tx);
  return rows[0]!.id;
}

/** Like inSnapshot, but in the snapshot another transaction exported (which must still be open). */
export function inExportedSnapshot<T>(db: Db, snapshotId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  // The id goes into the statement as a literal (SET takes no parameters), so only its own shape passes.
  if (!/^[0-9A-F]+-[0-9A-F]+-[0-9]+$/.test(snapshotId)) throw new Error('not a snapshot id');
  return inSnapshot(db, async (tx) => {
    await sql`SET TRANSACTION SNAPSHOT ${sql.lit(snapshotId)}`.execute(tx);
    return work(tx);
  });
}

/** The current snapshot in text form (`xmin:xmax:xip,…`): which transactions had finished. */
export async function currentSnapshot(db: DbOrTx): Promise<string> {
  const { rows } = await sql<{ snapshot: string }>`SELECT pg_current_snapshot()::text AS snapshot`.execute(db);
  return rows[0]!.snapshot;
}

/** Every transaction below this xid had finished in `snapshot`. */
export async function snapshotXmin(db: DbOrTx, snapshot: string): Promise<string> {
  const { rows } = await sql<{ xmin: string }>`SELECT pg_snapshot_xmin(${snapshot}::pg_snapshot)::text AS xmin`.execute(db);
  return rows[0]!.xmin;
}

/** Where the last sealing round stopped, or undefined before the first. */
export function latestSealerState(db: DbOrTx) {
  return db.selectFrom('audit_sealer_state').select(['tree_size', 'sealed_snapshot']).orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function latestCheckpoint(db: DbOrTx) {
  return db.selectFrom('audit_checkpoints').select(['tree_size', 'root_hash', 'frontier', 'signed_note'])
    .orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function checkpointOfSize(db: DbOrTx, treeSize: number) {
  return db.selectFrom('audit_checkpoints').select(['tree_size', 'root_hash', 'signed_note']).where('tree_size', '=', treeSize).executeTakeFirst();
}

/** Checkpoints with sizes in (afterSize, upToSize], smallest first. */
export function checkpointsBetween(db: DbOrTx, afterSize: number, upToSize: number) {
  return db.selectFrom('audit_checkpoints').select(['tree_size', 'root_hash', 'frontier', 'signed_note'])
    .where('tree_size', '>', afterSize).where('tree_size', '<=', upToSize).orderBy('tree_size').execute();
}

export async function countCheckpoints(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('audit_checkpoints').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Ids of the entries whose transactions had finished in `upTo` but not in `after` (the previous
 * round's snapshot; null before the first round), in id order. Ids first, rows after, because
 * paging through this filter with LIMIT would rescan the whole range for every page.
 */
export async function entryIdsFinishedBetween(db: DbOrTx, range: { after: string | null; upTo: string }): Promise<number[]> {
  const upTo = sql`${range.upTo}::pg_snapshot`;
  const after = range.after === null ? null : sql`${range.after}::pg_snapshot`;
  const { rows } = await sql<{ ids: string }>`
    SELECT coalesce(json_agg(id ORDER BY id), '[]')::text AS ids FROM audit_entries
    WHERE entry_xid < pg_snapshot_xmax(${upTo}) AND pg_visible_in_snapshot(entry_xid, ${upTo})
      ${after
        // "Not visible in the last snapshot", spelled so both halves use the index: a transaction
        // left running for minutes must not make every round rescan everything written since.
        ? sql`AND (entry_xid >= pg_snapshot_xmax(${after}) OR entry_xid = ANY(ARRAY(SELECT pg_snapshot_xip(${after}))))`
        : sql``}`.execute(db);
  return JSON.parse(rows[0]!.ids) as number[];
}

/** An entry as the sealer and the verifier read it: its salt and its canonical text, built by PostgreSQL. */
export interface CanonicalEntry {
  id: number;
  salt: Buffer;
  canonical: string;
}

/**
 * canonicalJson (audit-entry.ts) as PostgreSQL writes it, byte for byte: to_json escapes a string
 * exactly as JSON.stringify does (quote, backslash, \b \f \n \r \t, other control characters as
 * lower-case \u00xx, everything else as it is), and a property test in audit.test.ts holds the two
 * together. One text column arrives instead of twelve to decode into an object and encode again:
 * the verifier's thread went from about 12 to 8.5–9.7 µs of CPU an entry (and 91–97k to 94–101k
 * entries/s in interleaved runs on 2 cores, where PostgreSQL building the text is now the limit).
 */
const canonicalText = sql<string>`'[' || id::text || ',' || to_json(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
  || ',' || coalesce(to_json(actor_user_id)::text, 'null') || ',' || coalesce(to_json(actor_api_client)::text, 'null')
  || ',' || coalesce(to_json(actor_organisation_id)::text, 'null') || ',' || coalesce(to_json(actor_role)::text, 'null')
  || ',' || to_json(action)::text || ',' || coalesce(to_json(child_id)::text, 'null') || ',' || coalesce(to_json(basis)::text, 'null')
  || ',' || coalesce(to_json(reason)::text, 'null') || ',' || to_json(outcome)::text || ',' || coalesce(to_json(request_id)::text, 'null') || ']'`;

/**
 * The entries with these ids (sorted ascending) as canonical text for hashing, in id order;
 * missing ones are simply absent. Ids that are dense — the usual case, as entries are sealed in id
 * order — are read as one range of the primary key, far cheaper than one index lookup per id;
 * sparse ones by lookup.
 */
export async function canonicalEntriesByIds(db: DbOrTx, ids: readonly number[]): Promise<CanonicalEntry[]> {
  return entriesByIds<CanonicalEntry>(db, ids, sql`id, salt, ${canonicalText} AS canonical`);
}

/** The entries with these ids (sorted ascending), `columns` of each, in id order (see canonicalEntriesByIds). */
async function entriesByIds<R extends { id: number }>(db: DbOrTx, ids: readonly number[], columns: RawBuilder<unknown>): Promise<R[]> {
  if (ids.length === 0) return [];
  const range = idRange(ids);
  const { rows } = await sql<R>`
    SELECT ${columns} FROM audit_entries
    WHERE ${range.dense ? sql`id >= ${range.first} AND id <= ${range.last}` : sql`id = ANY(${[...ids]}::bigint[])`}
    ORDER BY id`.execute(db);
  return onlyWanted(rows, ids, range);
}

/** Sorted ids as a range of the primary key when they are dense enough to read it whole. */
function idRange(ids: readonly number[]): { first: number; last: number; dense: boolean } {
  const first = ids[0]!;
  const last = ids[ids.length - 1]!;
  return { first, last, dense: last - first < ids.length * 2 };
}

/** Rows read for `ids`: a range holding exactly the wanted ids (no gaps) needs no filtering. */
function onlyWanted<R extends { id: number }>(rows: R[], ids: readonly number[], range: { first: number; last: number; dense: boolean }): R[] {
  if (!range.dense || range.last - range.first + 1 === ids.length) return rows;
  const wanted = new Set(ids);
  return rows.filter((row) => wanted.has(row.id));
}

/** Appends leaves; one statement per batch (arrays unnested) keeps a large round fast. */
export async function insertLeaves(db: DbOrTx, leaves: readonly { leafIndex: number; entryId: number; leafHash: Buffer }[]): Promise<void> {
  if (leaves.length === 0) return;
  await sql`
    INSERT INTO audit_leaves (leaf_index, entry_id, leaf_hash)
    SELECT * FROM unnest(${leaves.map((l) => l.leafIndex)}::bigint[], ${leaves.map((l) => l.entryId)}::bigint[], ${leaves.map((l) => l.leafHash)}::bytea[])`
    .execute(db);
}

/** Records a signed checkpoint and the snapshot the round sealed up to. */
export async function insertCheckpoint(
  db: DbOrTx,
  checkpoint: { treeSize: number; root: Buffer; frontier: readonly Buffer[]; sealedSnapshot: string; xidHorizon: string; signedNote: string; at: Date },
): Promise<void> {
  await db.insertInto('audit_checkpoints').values({
    tree_size: checkpoint.treeSize,
    root_hash: checkpoint.root,
    frontier: [...checkpoint.frontier],
    xid_horizon: checkpoint.xidHorizon,
    signed_note: checkpoint.signedNote,
    created_at: checkpoint.at,
  }).execute();
  await db.insertInto('audit_sealer_state').values({ tree_size: checkpoint.treeSize, sealed_snapshot: checkpoint.sealedSnapshot }).execute();
}

/** Up to `limit` leaves from `fromIndex`, in index order. */
export function leavesFrom(db: DbOrTx, fromIndex: number, limit: number): Promise<StoredLeaf[]> {
  return db.selectFrom('audit_leaves').select(['leaf_index as leafIndex', 'entry_id as entryId', 'leaf_hash as leafHash'])
    .where('leaf_index', '>=', fromIndex).orderBy('leaf_index').limit(limit).execute();
}

/** A stored leaf. */
export interface StoredLeaf {
  leafIndex: number;
  entryId: number;
  leafHash: Buffer;
}

/**
 * Leaves from `fromIndex` with the entry each names, as the verifier checks them (null when the
 * entry row is gone): the leaves, then their entries as one range read (see canonicalEntriesByIds)
 * rather than a join doing one lookup per leaf. Hashes and salts arrive as hex text, which the
 * verifier writes straight into its hashing buffer: a Buffer decoded for each bytea was, with
 * the garbage it made, a tenth of verifying.
 */
export async function leavesWithEntries(db: DbOrTx, fromIndex: number, limit: number): Promise<LeafWithEntry[]> {
  const { rows: leaves } = await sql<{ leafIndex: number; entryId: number; leafHash: string }>`
    SELECT leaf_index AS "leafIndex", entry_id AS "entryId", encode(leaf_hash, 'hex') AS "leafHash" FROM audit_leaves
    WHERE leaf_index >= ${fromIndex} ORDER BY leaf_index LIMIT ${limit}`.execute(db);
  const ids = leaves.map((l) => l.entryId);
  // Leaves are sealed in id order, so the ids nearly always come sorted already.
  if (!isAscending(ids)) ids.sort((a, b) => a - b);
  const entries = await entriesByIds<EntryToCheck>(db, ids, sql`id, encode(salt, 'hex') AS salt, ${canonicalText} AS canonical`);
  // Entries come back in id order, and leaves name ids in (nearly always) the same order: walk both.
  const byId = new Map<number, EntryToCheck>();
  let e = 0;
  return leaves.map((leaf) => {
    let entry = entries[e];
    if (entry?.id === leaf.entryId) e += 1;
    else {
      if (byId.size === 0) for (const each of entries) byId.set(each.id, each);
      entry = byId.get(leaf.entryId);
    }
    return { leafIndex: leaf.leafIndex, leafHash: leaf.leafHash, entry: entry ?? null };
  });
}

function isAscending(ids: readonly number[]): boolean {
  for (let i = 1; i < ids.length; i++) if (ids[i - 1]! > ids[i]!) return false;
  return true;
}

/** An entry as the verifier reads it: its salt as hex text and its canonical text, built by PostgreSQL. */
export interface EntryToCheck {
  id: number;
  /** Hex, as `encode(salt, 'hex')` writes it. */
  salt: string;
  /** Null only when a column the text needs was set to NULL behind the table's back. */
  canonical: string | null;
}

/** A leaf and the entry it names, as the verifier reads them. */
export interface LeafWithEntry {
  leafIndex: number;
  /** The stored leaf hash in hex, as `encode(leaf_hash, 'hex')` writes it. */
  leafHash: string;
  entry: EntryToCheck | null;
}

/** Stored leaf hashes for indexes [start, end), in order. */
export async function leafHashesBetween(db: DbOrTx, start: number, end: number): Promise<Buffer[]> {
  const rows = await db.selectFrom('audit_leaves').select('leaf_hash')
    .where('leaf_index', '>=', start).where('leaf_index', '<', end).orderBy('leaf_index').execute();
  return rows.map((r) => r.leaf_hash);
}

export function leafAt(db: DbOrTx, index: number) {
  return db.selectFrom('audit_leaves').select(['leaf_index', 'entry_id', 'leaf_hash']).where('leaf_index', '=', index).executeTakeFirst();
}

/** Entries finished in `snapshot` (so a round already took them) that no leaf covers. */
export async function countFinalEntriesWithoutLeaf(db: DbOrTx, snapshot: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::integer AS n FROM audit_entries e
    WHERE e.entry_xid < pg_snapshot_xmax(${snapshot}::pg_snapshot) AND pg_visible_in_snapshot(e.entry_xid, ${snapshot}::pg_snapshot)
      AND NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.entry_id = e.id)`.execute(db);
  return rows[0]!.n;
}
