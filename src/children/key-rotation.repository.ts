import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../platform/db/database.js';

/** A child's wrapped data key: no identity, only the child's id and key versions. */
export interface WrappedKeyRow {
  childId: string;
  keyVersion: number;
  wrapVersion: number;
  wrappedKey: Buffer;
}

/** Where a batch walk over `child_keys` in (wrap_version, child_id) order has got to. */
export interface WrappedKeyCursor {
  wrapVersion: number;
  childId: string;
}

const START: WrappedKeyCursor = { wrapVersion: 0, childId: '00000000-0000-0000-0000-000000000000' };

/**
 * Locks and returns up to `limit` data keys wrapped below `version`, after `cursor`, in
 * (wrap_version, child_id) order along `child_keys_wrap_version_idx`. Rows another transaction holds
 * (a child being shredded) are skipped, not waited for, so the running service never queues
 * behind a rotation; a later pass picks them up.
 */
export async function lockWrappedKeysBelow(
  tx: Tx, version: number, cursor: WrappedKeyCursor | null, exclude: readonly string[], limit: number,
): Promise<WrappedKeyRow[]> {
  const after = cursor ?? START;
  const { rows } = await sql<{ child_id: string; key_version: number; wrap_version: number; wrapped_key: Buffer }>`
    SELECT child_id, key_version, wrap_version, wrapped_key
    FROM child_keys
    WHERE wrap_version < ${version}
      AND (wrap_version, child_id) > (${after.wrapVersion}::integer, ${after.childId}::uuid)
      AND child_id <> ALL(${exclude}::uuid[])
    ORDER BY wrap_version, child_id
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED`.execute(tx);
  return rows.map((r) => ({ childId: r.child_id, keyVersion: r.key_version, wrapVersion: r.wrap_version, wrappedKey: r.wrapped_key }));
}

/**
 * Stores re-wrapped data keys under `toVersion`. A row changes only if it is still wrapped under the
 * version it was read with; returns how many changed.
 */
export async function updateWrappedKeys(
  tx: Tx, toVersion: number, rows: readonly { childId: string; fromVersion: number; wrappedKey: Buffer }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await sql`
    UPDATE child_keys AS k
    SET wrapped_key = t.wrapped_key, wrap_version = ${toVersion}
    FROM unnest(${rows.map((r) => r.childId)}::uuid[], ${rows.map((r) => r.fromVersion)}::integer[], ${rows.map((r) => r.wrappedKey)}::bytea[])
      AS t(child_id, from_version, wrapped_key)
    WHERE k.child_id = t.child_id AND k.wrap_version = t.from_version`.execute(tx);
  return Number(result.numAffectedRows ?? 0n);
}

/** How many data keys are wrapped under each wrapping key version, lowest version first. */
export async function countWrappedKeysByVersion(db: DbOrTx): Promise<{ wrapVersion: number; count: number }[]> {
  const rows = await db.selectFrom('child_keys')
    .select(['wrap_version', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('wrap_version')
    .orderBy('wrap_version')
    .execute();
  return rows.map((r) => ({ wrapVersion: r.wrap_version, count: r.n }));
}

/** Data keys still wrapped below `version`, leaving out the given children. */
export async function countWrappedKeysBelow(db: DbOrTx, version: number, exclude: readonly string[] = []): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::integer AS n FROM child_keys
    WHERE wrap_version < ${version} AND child_id <> ALL(${exclude}::uuid[])`.execute(db);
  return rows[0]?.n ?? 0;
}
