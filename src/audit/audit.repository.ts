import { sql } from 'kysely';
import type { Db, DbOrTx, Tx } from '../platform/db/database.js';
import type { AuditEntry, StampedAuditEntry } from './audit-entry.js';

/** Inserts one entry; a trigger stamps `entry_xid` with the writing transaction's id, which the sealer reads. */
export async function insertAuditEntry(db: DbOrTx, entry: AuditEntry, salt: Buffer): Promise<void> {
  await insertAuditEntries(db, [{ entry, salt }]);
}

/** Inserts many entries in one statement (imports, benchmarks); same columns as insertAuditEntry. */
export async function insertAuditEntries(db: DbOrTx, entries: readonly StampedAuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 2_000) await auditEntriesInsert(entries.slice(i, i + 2_000)).execute(db);
}

/**
 * The INSERT of entries, not yet run: a statement that does more than write its entry (a search,
 * a batch of looks) embeds it as a data-modifying CTE, so the entries commit with that statement
 * or not at all. One array a column, so its text is the same for any number of entries (a
 * statement that can be prepared once) and building it costs no query tree.
 */
export function auditEntriesInsert(entries: readonly StampedAuditEntry[]) {
  const column = <T>(value: (entry: AuditEntry) => T) => entries.map((s) => value(s.entry));
  return sql`INSERT INTO audit_entries (occurred_at, actor_user_id, actor_api_client, actor_organisation_id, actor_role, action, child_id, basis, reason, outcome, request_id, salt)
    SELECT * FROM unnest(${column((e) => e.occurredAt)}::timestamptz[], ${column((e) => e.actorUserId ?? null)}::uuid[], ${column((e) => e.actorApiClient ?? null)}::text[],
      ${column((e) => e.actorOrganisationId ?? null)}::uuid[], ${column((e) => e.actorRole ?? null)}::text[], ${column((e) => e.action)}::text[], ${column((e) => e.childId ?? null)}::uuid[],
      ${column((e) => e.basis ?? null)}::text[], ${column((e) => e.reason ?? null)}::text[], ${column((e) => e.outcome)}::text[], ${column((e) => e.requestId ?? null)}::text[],
      ${entries.map((s) => s.salt)}::bytea[])`;
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
 * canonicalJson (audit-entry.ts) as PostgreSQL writes it, byte for byte: array_to_json escapes
 * each string exactly as JSON.stringify does (quote, backslash, \b \f \n \r \t, other control
 * characters as lower-case \u00xx, everything else as it is) and writes null for NULL, and a
 * property test (canonical-text.test.ts) holds the two together. The id goes in front unquoted,
 * as the number it is; uuids go in as text, which needs no escaping. One text column arrives
 * instead of twelve to decode into an object and encode again. One array_to_json call costs
 * PostgreSQL less than the eleven to_json calls and coalesces it replaces (4.8-5.3 against
 * 5.4-5.5 µs of CPU an entry read, same run); the text is the same.
 */
const canonicalText = sql<string>`'[' || id::text || ',' || substr(array_to_json(ARRAY[
  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor_user_id::text, actor_api_client,
  actor_organisation_id::text, actor_role, action, child_id::text, basis, reason, outcome, request_id])::text, 2)`;

/**
 * The entries with these ids (sorted ascending) as canonical text for hashing, in id order;
 * missing ones are simply absent. Ids that are dense — the usual case, as entries are sealed in id
 * order — are read as one range of the primary key, far cheaper than one index lookup per id;
 * sparse ones by lookup.
 */
export async function canonicalEntriesByIds(db: DbOrTx, ids: readonly number[]): Promise<CanonicalEntry[]> {
  if (ids.length === 0) return [];
  const range = idRange(ids);
  const { rows } = await sql<CanonicalEntry>`
    SELECT id, salt, ${canonicalText} AS canonical FROM audit_entries WHERE ${idsWhere(ids, range)} ORDER BY id`.execute(db);
  return onlyWanted(rows, ids, range);
}

/** The condition reading `ids`: a range of the primary key when dense, else one lookup each. */
function idsWhere(ids: readonly number[], range: { first: number; last: number; dense: boolean }) {
  return range.dense ? sql`id >= ${range.first} AND id <= ${range.last}` : sql`id = ANY(${[...ids]}::bigint[])`;
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
 * Leaves from `fromIndex` with the entry each names, as the verifier checks them (entry null when
 * its row is gone): the leaves, then their entries as one range read (see canonicalEntriesByIds)
 * rather than a join doing one lookup per leaf.
 *
 * Each read comes back as ONE row of text, the leaves' or entries' values joined by a separator
 * and split here: decoding a row per leaf and one per entry (strings, objects, a Buffer per
 * bytea) was most of the verifier's own CPU once hashing was cheap. Measured side by side over
 * the 10k world: about 1.3 µs less Node CPU an entry for the entries and 0.6 for the leaves, for
 * 0.2-0.5 µs more in PostgreSQL. The separators cannot occur inside what they separate: numbers
 * and hex hold no comma, and canonical text is JSON, whose strings carry every control character
 * escaped, so never a raw newline. Nothing read is trusted: each leaf's index is checked and each
 * entry hashed again by the caller (leaf-chunk.ts); a wrong split can only fail a check.
 */
export async function leavesWithEntries(db: DbOrTx, fromIndex: number, limit: number): Promise<LeafWithEntry[]> {
  // string_agg skips NULLs, so every column that could be one (were a NOT NULL dropped) is made
  // '' instead: the three lists stay aligned, and '' never passes as an id or a hash.
  const { rows: [read] } = await sql<{ indexes: string | null; ids: string; hashes: string }>`
    SELECT string_agg(leaf_index::text, ',') AS indexes, string_agg(coalesce(entry_id::text, ''), ',') AS ids,
      string_agg(coalesce(encode(leaf_hash, 'hex'), ''), ',') AS hashes
    FROM (SELECT leaf_index, entry_id, leaf_hash FROM audit_leaves WHERE leaf_index >= ${fromIndex} ORDER BY leaf_index LIMIT ${limit}) l`.execute(db);
  if (!read?.indexes) return [];
  const indexes = read.indexes.split(',');
  const leafIds = read.ids.split(',');
  const hashes = read.hashes.split(',');
  if (leafIds.length !== indexes.length || hashes.length !== indexes.length) throw new Error('the audit leaves were read misaligned');
  const ids = leafIds.map(Number);
  // Leaves are sealed in id order, so the ids nearly always come sorted already.
  const sorted = isAscending(ids) ? ids : [...ids].sort((a, b) => a - b);
  const entries = await entriesToCheckByIds(db, sorted);
  // Entries come back in id order, and leaves name ids in (nearly always) the same order: walk both.
  const byId = new Map<number, EntryToCheck>();
  let e = 0;
  return indexes.map((index, i) => {
    const entryId = ids[i]!;
    let entry = entries[e];
    if (entry?.id === entryId) e += 1;
    else {
      if (byId.size === 0) for (const each of entries) byId.set(each.id, each);
      entry = byId.get(entryId);
    }
    return { leafIndex: Number(index), leafHash: hashes[i]!, entry: entry ?? null };
  });
}

/**
 * The entries with these ids (sorted ascending) as the verifier hashes them — salt as hex, and the
 * canonical text — in id order, missing ones absent. Read as one row of text (see
 * leavesWithEntries): each entry a line of its salt in hex followed by its canonical text, which
 * starts with "[<id>,", and hex holds no "[".
 */
export async function entriesToCheckByIds(db: DbOrTx, ids: readonly number[]): Promise<EntryToCheck[]> {
  if (ids.length === 0) return [];
  const range = idRange(ids);
  const { rows: [read] } = await sql<{ entries: string | null }>`
    SELECT string_agg(coalesce(encode(salt, 'hex'), '') || ${canonicalText}, chr(10)) AS entries
    FROM (SELECT * FROM audit_entries WHERE ${idsWhere(ids, range)} ORDER BY id) e`.execute(db);
  if (!read?.entries) return [];
  const entries = read.entries.split('\n').map((line) => {
    const start = line.indexOf('[');
    return { id: Number(line.slice(start + 1, line.indexOf(',', start))), salt: line.slice(0, start), canonical: line.slice(start) };
  });
  return onlyWanted(entries, ids, range);
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
  canonical: string;
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
