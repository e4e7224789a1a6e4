import pg from 'pg';
import type { Ledger, WriteKind } from './ledger.js';
import { sleep } from './service.js';

/** What one check of the database found. Counts only: no child data. */
export interface CheckResult {
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** Sealed audit leaves, and whether their indexes run 0…n-1 with every entry sealed once. */
  auditLeaves: number;
  auditContiguous: boolean;
  problems: string[];
}

/**
 * Reads back, straight from PostgreSQL, every write the service acknowledged: each must be there
 * with the id it was acknowledged with, and no source key may hold two records.
 */
export async function checkWrites(databaseUrl: string, system: string, ledger: Ledger): Promise<CheckResult> {
  const client = await connect(databaseUrl);
  try {
    const problems: string[] = [];
    let lost = 0;
    let duplicated = ledger.conflicts.length;
    if (ledger.conflicts.length > 0) problems.push(`${String(ledger.conflicts.length)} source keys acknowledged with two different ids`);

    const childIds = ledger.of('child').map((w) => w.id);
    const present = new Set((await client.query<{ id: string }>('SELECT id::text FROM children WHERE id = ANY($1::uuid[])', [childIds])).rows.map((r) => r.id));
    const missingChildren = childIds.filter((id) => !present.has(id)).length;
    lost += missingChildren;
    if (missingChildren > 0) problems.push(`${String(missingChildren)} acknowledged children missing`);
    // The unique index on identifiers should make this impossible; the check is what proves it.
    const identifiers = (await client.query<{ rows: number; keys: number }>(
      "SELECT count(*)::int AS rows, count(DISTINCT lookup)::int AS keys FROM child_identifiers WHERE kind = 'source_system' AND issuer = $1", [system],
    )).rows[0]!;
    if (identifiers.rows !== identifiers.keys) {
      duplicated += identifiers.rows - identifiers.keys;
      problems.push(`${String(identifiers.rows - identifiers.keys)} child source ids held twice`);
    }
    if (new Set(childIds).size !== childIds.length) {
      duplicated += childIds.length - new Set(childIds).size;
      problems.push('two child source ids were acknowledged as the same child');
    }

    for (const [kind, table] of [['involvement', 'involvements'], ['flag', 'child_flags']] as const) {
      const found = await bySourceId(client, table, system);
      const { missing, twice } = compare(ledger, kind, found);
      lost += missing;
      duplicated += twice;
      if (missing > 0) problems.push(`${String(missing)} acknowledged ${kind}s missing`);
      if (twice > 0) problems.push(`${String(twice)} ${kind} source ids held twice`);
    }
    const audit = await auditSealed(client);
    if (!audit.contiguous) problems.push(audit.problem);
    return { acknowledged: ledger.acknowledged.size, lost, duplicated, auditLeaves: audit.leaves, auditContiguous: audit.contiguous, problems };
  } finally {
    await client.end();
  }
}

/** A connection for reading back; PostgreSQL may still be replaying its WAL after a kill. */
export async function connect(databaseUrl: string, timeoutMs = 60_000): Promise<pg.Client> {
  const started = Date.now();
  for (;;) {
    const client = new pg.Client({ connectionString: databaseUrl });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() - started > timeoutMs) throw error;
      await sleep(250);
    }
  }
}

/** Source id → the record ids held under it (more than one is a duplicate). */
export async function bySourceId(client: pg.Client, table: 'involvements' | 'child_flags', system: string, like = '%'): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ source_id: string; id: string }>(
    `SELECT source_id, id::text FROM ${table} WHERE source_system = $1 AND source_id LIKE $2`, [system, like],
  );
  const found = new Map<string, string[]>();
  for (const row of rows) found.set(row.source_id, [...(found.get(row.source_id) ?? []), row.id]);
  return found;
}

function compare(ledger: Ledger, kind: WriteKind, found: Map<string, string[]>): { missing: number; twice: number } {
  let missing = 0;
  for (const write of ledger.of(kind)) if (!(found.get(write.sourceId) ?? []).includes(write.id)) missing += 1;
  let twice = 0;
  for (const ids of found.values()) twice += ids.length - 1;
  return { missing, twice };
}

/**
 * Waits for the service's audit sealer (a round every 5 s) to seal every entry, then checks the
 * leaves: indexes 0…n-1 with no gap, each entry sealed exactly once.
 */
async function auditSealed(client: pg.Client, timeoutMs = 30_000): Promise<{ leaves: number; contiguous: boolean; problem: string }> {
  const started = Date.now();
  for (;;) {
    const row = (await client.query<{ entries: number; leaves: number; sealed: number; lo: number | null; hi: number | null }>(`
      SELECT (SELECT count(*)::int FROM audit_entries) AS entries,
             count(*)::int AS leaves, count(DISTINCT entry_id)::int AS sealed,
             min(leaf_index)::int AS lo, max(leaf_index)::int AS hi
        FROM audit_leaves`)).rows[0]!;
    if (row.leaves === row.entries || Date.now() - started > timeoutMs) {
      const contiguous = row.leaves === row.entries && row.sealed === row.leaves && (row.leaves === 0 || (row.lo === 0 && row.hi === row.leaves - 1));
      const problem = contiguous ? '' : `audit: ${String(row.entries)} entries, ${String(row.leaves)} leaves (${String(row.sealed)} distinct), indexes ${String(row.lo)}…${String(row.hi)}`;
      return { leaves: row.leaves, contiguous, problem };
    }
    await sleep(500);
  }
}
