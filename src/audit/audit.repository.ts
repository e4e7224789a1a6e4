import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { AuditEntry, StoredAuditEntry } from './audit-entry.js';

export async function insertAuditEntry(db: DbOrTx, entry: AuditEntry, salt: Buffer): Promise<void> {
  await db.insertInto('audit_entries').values({
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
  }).execute();
}

/** Serialises sealers across processes for the rest of the transaction. */
export async function lockSealer(db: DbOrTx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('signpost.audit.sealer'))`.execute(db);
}

/** Every transaction with a smaller id has committed or rolled back: its entries are final. */
export async function finishedXidHorizon(db: DbOrTx): Promise<string> {
  const { rows } = await sql<{ horizon: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`.execute(db);
  return rows[0]!.horizon;
}

export function latestCheckpoint(db: DbOrTx) {
  return db.selectFrom('audit_checkpoints').select(['tree_size', 'root_hash', 'frontier', 'xid_horizon', 'signed_note'])
    .orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function listCheckpoints(db: DbOrTx) {
  return db.selectFrom('audit_checkpoints').select(['tree_size', 'root_hash', 'signed_note']).orderBy('tree_size').execute();
}

const entryColumns = [
  'id', 'occurred_at', 'actor_user_id', 'actor_api_client', 'actor_organisation_id', 'actor_role', 'action', 'child_id',
  'basis', 'reason', 'outcome', 'request_id', 'salt',
] as const;

type EntryRow = { [K in (typeof entryColumns)[number]]: unknown };

function toStored(row: EntryRow): StoredAuditEntry {
  return {
    id: Number(row.id),
    occurredAt: row.occurred_at as Date,
    actorUserId: row.actor_user_id as string | null,
    actorApiClient: row.actor_api_client as string | null,
    actorOrganisationId: row.actor_organisation_id as string | null,
    actorRole: row.actor_role as string | null,
    action: row.action as string,
    childId: row.child_id as string | null,
    basis: row.basis as string | null,
    reason: row.reason as string | null,
    outcome: row.outcome as string,
    requestId: row.request_id as string | null,
    salt: row.salt as Buffer,
  };
}

/** Entries written by transactions with ids in [from, to), in id order. */
export async function entriesFinishedBetween(db: DbOrTx, from: string, to: string): Promise<StoredAuditEntry[]> {
  const rows = await db.selectFrom('audit_entries').select(entryColumns)
    .where(sql<boolean>`entry_xid >= ${from}::xid8 AND entry_xid < ${to}::xid8`)
    .orderBy('id').execute();
  return rows.map(toStored);
}

export async function insertLeaves(db: DbOrTx, leaves: readonly { leafIndex: number; entryId: number; leafHash: Buffer }[]): Promise<void> {
  for (let i = 0; i < leaves.length; i += 1000) {
    await db.insertInto('audit_leaves')
      .values(leaves.slice(i, i + 1000).map((l) => ({ leaf_index: l.leafIndex, entry_id: l.entryId, leaf_hash: l.leafHash })))
      .execute();
  }
}

export async function insertCheckpoint(
  db: DbOrTx,
  checkpoint: { treeSize: number; root: Buffer; frontier: readonly Buffer[]; xidHorizon: string; signedNote: string; at: Date },
): Promise<void> {
  await db.insertInto('audit_checkpoints').values({
    tree_size: checkpoint.treeSize,
    root_hash: checkpoint.root,
    frontier: [...checkpoint.frontier],
    xid_horizon: checkpoint.xidHorizon,
    signed_note: checkpoint.signedNote,
    created_at: checkpoint.at,
  }).execute();
}

/** Leaves from `fromIndex` with the entry each names (null when the entry row is gone). */
export async function leavesWithEntries(db: DbOrTx, fromIndex: number, limit: number) {
  const rows = await db.selectFrom('audit_leaves as l').leftJoin('audit_entries as e', 'e.id', 'l.entry_id')
    .select(['l.leaf_index', 'l.entry_id', 'l.leaf_hash', ...entryColumns.map((c) => `e.${c}` as const)])
    .where('l.leaf_index', '>=', fromIndex).orderBy('l.leaf_index').limit(limit).execute();
  return rows.map((r) => ({
    leafIndex: r.leaf_index,
    leafHash: r.leaf_hash,
    entry: r.id === null ? null : toStored(r as unknown as EntryRow),
  }));
}

/** Final entries (below the horizon) that no leaf covers: sealed history with a hole in it. */
export async function countFinalEntriesWithoutLeaf(db: DbOrTx, horizon: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::integer AS n FROM audit_entries e
    WHERE e.entry_xid < ${horizon}::xid8 AND NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.entry_id = e.id)`.execute(db);
  return rows[0]!.n;
}
