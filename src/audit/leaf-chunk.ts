import type { DbOrTx } from '../platform/db/database.js';
import { leafDigestOfHexSalt } from './merkle.js';
import { leavesWithEntries, type LeafWithEntry } from './audit.repository.js';

/** A half-open run of leaf indexes [from, to) checked as one piece of work. */
export interface LeafChunk {
  from: number;
  to: number;
  /** The newest signed checkpoint's size, named when the leaves end before it. */
  total: number;
}

/**
 * What a chunk's leaves showed: the stored hashes of the leaves that check out, in index order
 * (32 bytes each, `count` of them), and the first problem when one stopped the check early.
 */
export interface CheckedChunk {
  from: number;
  count: number;
  hashes: Uint8Array;
  problem?: { index: number; problem: string };
}

const HASH_BYTES = 32;

/** Reads the leaves of `chunk` with their entries and checks them (checkLeaves). */
export async function checkChunk(db: DbOrTx, chunk: LeafChunk): Promise<CheckedChunk> {
  return checkLeaves(chunk, await leavesWithEntries(db, chunk.from, chunk.to - chunk.from));
}

/**
 * The per-leaf half of verifying, which needs nothing from other chunks: indexes run on from
 * `chunk.from` without a gap, each leaf's entry exists and hashes to the stored leaf (the id is in
 * the hash, so an edited, deleted or swapped row is caught at its own index). The Merkle tree and
 * the checkpoints are the caller's half: it appends the returned hashes in order.
 */
export function checkLeaves(chunk: LeafChunk, leaves: readonly LeafWithEntry[]): CheckedChunk {
  const wanted = chunk.to - chunk.from;
  const hashes = new Uint8Array(wanted * HASH_BYTES);
  const out = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  const stop = (count: number, problem: string): CheckedChunk => ({
    from: chunk.from, count, hashes: hashes.subarray(0, count * HASH_BYTES), problem: { index: chunk.from + count, problem },
  });
  for (let i = 0; i < wanted; i++) {
    const index = chunk.from + i;
    const leaf = leaves[i];
    if (!leaf) return stop(i, `a signed checkpoint covers ${chunk.total} entries but leaf ${index} is missing`);
    if (leaf.leafIndex !== index) return stop(i, `leaf ${index} is missing`);
    if (!leaf.entry) return stop(i, `the entry sealed at index ${index} has been removed`);
    // The stored hash goes where the caller will read it; it is kept only if it is 32 bytes and
    // equals the hash recomputed here from the entry's salt and content.
    const at = i * HASH_BYTES;
    if (leaf.leafHash.length !== 2 * HASH_BYTES || out.write(leaf.leafHash, at, 'hex') !== HASH_BYTES
      || leafDigestOfHexSalt(leaf.entry.salt, leaf.entry.canonical) !== out.toString('latin1', at, at + HASH_BYTES)) {
      return stop(i, `the entry at index ${index} has been changed or moved`);
    }
  }
  return { from: chunk.from, count: wanted, hashes };
}
