import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

export interface DedupeRun {
  id: string;
  cursorKind: string | null;
  cursorValue: Buffer | null;
  keysDone: number;
  pairsScored: number;
  itemsWritten: number;
  finishedAt: Date | null;
}

/** The run's saved position, created empty on first use. */
export async function openDedupeRun(db: DbOrTx, runId: string, restart: boolean): Promise<DedupeRun> {
  if (restart) await sql`DELETE FROM match_dedupe_runs WHERE id = ${runId}`.execute(db);
  await sql`INSERT INTO match_dedupe_runs (id) VALUES (${runId}) ON CONFLICT DO NOTHING`.execute(db);
  const { rows } = await sql<{ id: string; cursor_kind: string | null; cursor_value: Buffer | null; keys_done: string; pairs_scored: string; items_written: string; finished_at: Date | null }>`
    SELECT * FROM match_dedupe_runs WHERE id = ${runId}`.execute(db);
  const r = rows[0]!;
  return { id: r.id, cursorKind: r.cursor_kind, cursorValue: r.cursor_value, keysDone: Number(r.keys_done), pairsScored: Number(r.pairs_scored), itemsWritten: Number(r.items_written), finishedAt: r.finished_at };
}

export async function saveDedupeProgress(db: DbOrTx, run: DedupeRun): Promise<void> {
  await sql`
    UPDATE match_dedupe_runs SET cursor_kind = ${run.cursorKind}, cursor_value = ${run.cursorValue}, keys_done = ${run.keysDone},
      pairs_scored = ${run.pairsScored}, items_written = ${run.itemsWritten}, finished_at = ${run.finishedAt}
    WHERE id = ${run.id}`.execute(db);
}

/** Blind-index rows of the blocking kinds: the scan's total, for the progress bar. */
export async function countBlockingRows(db: DbOrTx, kinds: readonly string[]): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM child_blind_index WHERE kind = ANY(${kinds}::text[])`.execute(db);
  return rows[0]?.n ?? 0;
}

/** The rows at or before the cursor: where a resumed run's progress bar starts. */
export async function countRowsUpTo(db: DbOrTx, kinds: readonly string[], kind: string, value: Buffer): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::integer AS n FROM child_blind_index WHERE kind = ANY(${kinds}::text[]) AND (kind, value) <= (${kind}, ${value})`.execute(db);
  return rows[0]?.n ?? 0;
}

/**
 * The next blocks after the cursor in (kind, value) order, each with its children (at most
 * `maxBlock` ids are returned per block; `size` says how many it has). Reads the primary key's
 * order, so a batch costs an index range scan however far the run has got.
 */
export async function nextBlocks(db: DbOrTx, kinds: readonly string[], after: { kind: string; value: Buffer } | null, limit: number, maxBlock: number): Promise<{ kind: string; value: Buffer; childIds: string[]; size: number }[]> {
  const { rows } = await sql<{ kind: string; value: Buffer; child_ids: string[]; size: number }>`
    SELECT kind, value, (array_agg(child_id))[1:${maxBlock}]::text[] AS child_ids, count(*)::integer AS size
    FROM child_blind_index
    WHERE kind = ANY(${kinds}::text[]) AND (kind, value) > (${after?.kind ?? ''}, ${after?.value ?? Buffer.alloc(0)})
    GROUP BY kind, value
    ORDER BY kind, value
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ kind: r.kind, value: r.value, childIds: r.child_ids, size: r.size }));
}

/** When each child was recorded: the newer of a pair is the one a merge would fold away. */
export async function createdAtOf(db: DbOrTx, childIds: readonly string[]): Promise<Map<string, Date>> {
  if (childIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; created_at: Date }>`SELECT id, created_at FROM children WHERE id = ANY(${childIds}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, r.created_at]));
}
