import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

export type MoveKind = 'involvement' | 'flag' | 'area' | 'identifier' | 'seal_holder' | 'shield';

/** A row a merge moved, and the columns it changed on the way (with their old values). */
export interface MergeMove {
  kind: MoveKind;
  rowKey: string;
  restore: Record<string, unknown>;
}

export interface MergeRow {
  id: string;
  survivorChildId: string;
  mergedChildId: string;
  reviewItemId: number | null;
  mergedAt: Date;
  reason: string;
  unmergedAt: Date | null;
}

/** Locks both children in id order (two merges of crossing pairs cannot deadlock); returns their merged_into. */
export async function lockPair(db: DbOrTx, a: string, b: string): Promise<Map<string, string | null>> {
  const { rows } = await sql<{ id: string; merged_into: string | null }>`
    SELECT id, merged_into FROM children WHERE id IN (${a}, ${b}) ORDER BY id FOR UPDATE`.execute(db);
  return new Map(rows.map((r) => [r.id, r.merged_into]));
}

export async function insertMerge(db: DbOrTx, m: { survivorChildId: string; mergedChildId: string; reviewItemId: number | null; userId: string | null; reason: string }): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO child_merges (survivor_child_id, merged_child_id, review_item_id, merged_by_user_id, reason)
    VALUES (${m.survivorChildId}, ${m.mergedChildId}, ${m.reviewItemId}, ${m.userId}, ${m.reason}) RETURNING id`.execute(db);
  return rows[0]!.id;
}

export async function recordMoves(db: DbOrTx, mergeId: string, moves: readonly MergeMove[]): Promise<void> {
  if (moves.length === 0) return;
  await sql`
    INSERT INTO child_merge_moves (merge_id, kind, row_key, restore)
    SELECT ${mergeId}::uuid, * FROM unnest(${moves.map((m) => m.kind)}::text[], ${moves.map((m) => m.rowKey)}::text[], ${moves.map((m) => JSON.stringify(m.restore))}::jsonb[])`.execute(db);
}

export async function listMoves(db: DbOrTx, mergeId: string): Promise<MergeMove[]> {
  const { rows } = await sql<{ kind: MoveKind; row_key: string; restore: Record<string, unknown> }>`
    SELECT kind, row_key, restore FROM child_merge_moves WHERE merge_id = ${mergeId} ORDER BY kind, row_key`.execute(db);
  return rows.map((r) => ({ kind: r.kind, rowKey: r.row_key, restore: r.restore }));
}

function toMerge(r: { id: string; survivor_child_id: string; merged_child_id: string; review_item_id: string | null; merged_at: Date; reason: string; unmerged_at: Date | null }): MergeRow {
  return { id: r.id, survivorChildId: r.survivor_child_id, mergedChildId: r.merged_child_id, reviewItemId: r.review_item_id === null ? null : Number(r.review_item_id), mergedAt: r.merged_at, reason: r.reason, unmergedAt: r.unmerged_at };
}

export async function findMerge(db: DbOrTx, mergeId: string): Promise<MergeRow | undefined> {
  const { rows } = await sql<Parameters<typeof toMerge>[0]>`SELECT * FROM child_merges WHERE id = ${mergeId}`.execute(db);
  return rows[0] ? toMerge(rows[0]) : undefined;
}

export async function findMergeForReview(db: DbOrTx, reviewItemId: number): Promise<MergeRow | undefined> {
  const { rows } = await sql<Parameters<typeof toMerge>[0]>`
    SELECT * FROM child_merges WHERE review_item_id = ${reviewItemId} ORDER BY merged_at DESC LIMIT 1`.execute(db);
  return rows[0] ? toMerge(rows[0]) : undefined;
}

export async function markUnmerged(db: DbOrTx, mergeId: string, userId: string | null, reason: string): Promise<void> {
  await sql`UPDATE child_merges SET unmerged_at = now(), unmerged_by_user_id = ${userId}, unmerge_reason = ${reason} WHERE id = ${mergeId}`.execute(db);
}

export async function setTombstone(db: DbOrTx, childId: string, survivorId: string | null): Promise<void> {
  await sql`
    UPDATE children SET merged_into = ${survivorId}, merged_at = CASE WHEN ${survivorId}::uuid IS NULL THEN NULL ELSE now() END, updated_at = now()
    WHERE id = ${childId}`.execute(db);
}

export async function deleteBlindIndex(db: DbOrTx, childId: string): Promise<void> {
  await sql`DELETE FROM child_blind_index WHERE child_id = ${childId}`.execute(db);
}

/** The rows of one child a merge moves, with what decides whether they clash with the survivor's. */
export async function involvementsOf(db: DbOrTx, childId: string) {
  const { rows } = await sql<{ id: string; open_lead: boolean }>`
    SELECT id, (is_lead_professional AND ended_on IS NULL) AS open_lead FROM involvements WHERE child_id = ${childId} ORDER BY id`.execute(db);
  return rows;
}

export async function flagsOf(db: DbOrTx, childId: string) {
  const { rows } = await sql<{ id: string; kind: string; open: boolean }>`
    SELECT id, kind, ended_on IS NULL AS open FROM child_flags WHERE child_id = ${childId} ORDER BY id`.execute(db);
  return rows;
}

export async function areasOf(db: DbOrTx, childId: string) {
  const { rows } = await sql<{ id: string; current: boolean }>`
    SELECT id, to_date IS NULL AS current FROM area_history WHERE child_id = ${childId} ORDER BY id`.execute(db);
  return rows;
}

export async function identifiersOf(db: DbOrTx, childId: string) {
  const { rows } = await sql<{ id: string; value: Buffer; linked: boolean }>`SELECT id, value, linked FROM child_identifiers WHERE child_id = ${childId} ORDER BY id`.execute(db);
  return rows;
}

export async function sealHoldersOf(db: DbOrTx, childId: string): Promise<string[]> {
  const { rows } = await sql<{ user_id: string }>`SELECT user_id FROM child_seal_holders WHERE child_id = ${childId}`.execute(db);
  return rows.map((r) => r.user_id);
}

/**
 * Moves an involvement, flag or area row to `childId`, setting the listed columns (to fit the
 * survivor's one-open-lead / one-open-flag / one-current-area rules, or to restore them).
 */
export async function moveRow(db: DbOrTx, kind: 'involvement' | 'flag' | 'area', rowId: string, childId: string, set: Record<string, unknown>): Promise<void> {
  const table = kind === 'involvement' ? 'involvements' : kind === 'flag' ? 'child_flags' : 'area_history';
  const allowed = kind === 'involvement' ? 'is_lead_professional' : kind === 'flag' ? 'ended_on' : 'to_date';
  const extra = Object.keys(set).filter((k) => k === allowed).map((k) => sql`, ${sql.ref(k)} = ${set[k] as string | boolean | null}`);
  await sql`UPDATE ${sql.table(table)} SET child_id = ${childId}${sql.join(extra, sql``)} WHERE id = ${rowId}`.execute(db);
}

/** Closes a row today (or on its start, if that is later) so it no longer clashes with the survivor's open one. */
export async function closeToday(db: DbOrTx, kind: 'flag' | 'area', rowId: string): Promise<void> {
  if (kind === 'flag') await sql`UPDATE child_flags SET ended_on = GREATEST(current_date, started_on) WHERE id = ${rowId}`.execute(db);
  else await sql`UPDATE area_history SET to_date = GREATEST(current_date, from_date) WHERE id = ${rowId}`.execute(db);
}

/** Moves an identifier (its value re-sealed for `childId`); `linked` says whether it is that child's own. */
export async function moveIdentifier(db: DbOrTx, rowId: string, childId: string, value: Buffer, linked: boolean): Promise<void> {
  await sql`UPDATE child_identifiers SET child_id = ${childId}, value = ${value}, linked = ${linked} WHERE id = ${rowId}`.execute(db);
}

export async function addSealHolders(db: DbOrTx, childId: string, userIds: readonly string[], grantedBy: string | null): Promise<void> {
  if (userIds.length === 0) return;
  await sql`
    INSERT INTO child_seal_holders (child_id, user_id, granted_by_user_id)
    SELECT ${childId}::uuid, u, ${grantedBy}::uuid FROM unnest(${userIds}::uuid[]) AS u ON CONFLICT DO NOTHING`.execute(db);
}

export async function removeSealHolders(db: DbOrTx, childId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await sql`DELETE FROM child_seal_holders WHERE child_id = ${childId} AND user_id = ANY(${userIds}::uuid[])`.execute(db);
}

/** Takes a shield off a record without touching its seal-holders (an unmerge restores those itself). */
export async function dropShield(db: DbOrTx, childId: string): Promise<void> {
  await sql`DELETE FROM child_shields WHERE child_id = ${childId}`.execute(db);
  await sql`UPDATE children SET shielded = false, updated_at = now() WHERE id = ${childId}`.execute(db);
}
