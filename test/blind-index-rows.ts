import { sql } from 'kysely';
import type { DbOrTx } from '../src/platform/db/database.js';
import type { BlindIndexer, BlindIndexKind } from '../src/children/blind-index.js';
import type { ChildIdentity } from '../src/children/child-identity.js';

/** Each child's index rows of these kinds as sorted "kind:hex" strings, from the database. */
export async function storedIndexRows(db: DbOrTx, kinds: readonly BlindIndexKind[], childIds: readonly string[]): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ child_id: string; kind: string; value: Buffer }>`
    SELECT child_id, kind, value FROM child_blind_index WHERE kind = ANY(${kinds}::text[]) AND child_id = ANY(${childIds}::uuid[])`.execute(db);
  const out = new Map<string, string[]>(childIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.child_id)!.push(`${r.kind}:${r.value.toString('hex')}`);
  for (const list of out.values()) list.sort();
  return out;
}

/** The rows of these kinds the indexer computes for a child (entriesFor), as storedIndexRows lists them. */
export function computedIndexRows(indexer: BlindIndexer, kinds: readonly BlindIndexKind[], identity: ChildIdentity): string[] {
  return indexer.entriesFor(identity).filter((e) => kinds.includes(e.kind)).map((e) => `${e.kind}:${e.value.toString('hex')}`).sort();
}
