import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { BlindIndexEntry } from './blind-index.js';

export async function countChildrenAwaitingSearchKeys(db: DbOrTx): Promise<number> {
  const { count } = await db.selectFrom('search_key_backfill').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * Takes up to `limit` children off the queue, in the caller's transaction: gone if it commits,
 * back if it does not. Rows another process holds are skipped, so two processes starting at
 * once share the queue instead of waiting for each other.
 */
export async function takeChildrenAwaitingSearchKeys(db: DbOrTx, limit: number): Promise<string[]> {
  const { rows } = await sql<{ child_id: string }>`
    DELETE FROM search_key_backfill
    WHERE child_id IN (SELECT child_id FROM search_key_backfill ORDER BY child_id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING child_id`.execute(db);
  return rows.map((r) => r.child_id);
}

/** Adds index values; one a child already holds (stored since it was queued) is left as it is. */
export async function insertMissingBlindIndexEntries(db: DbOrTx, entries: readonly (BlindIndexEntry & { childId: string })[]): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    INSERT INTO child_blind_index (child_id, kind, value)
    SELECT * FROM unnest(${entries.map((e) => e.childId)}::uuid[], ${entries.map((e) => e.kind)}::text[], ${entries.map((e) => e.value)}::bytea[])
    ON CONFLICT DO NOTHING`.execute(db);
}

/**
 * After many rows were added at once: the visibility map that lets a search read the index alone
 * (without it, a search at 1M children fetched 618 table rows to check them), and the planner's
 * row estimates for the new kinds. Autovacuum would get there, but only after a fifth of the
 * table had been added. Not in a transaction (VACUUM cannot be).
 */
export async function vacuumBlindIndex(db: DbOrTx): Promise<void> {
  await sql`VACUUM (ANALYZE) child_blind_index`.execute(db);
}
