import { availableParallelism } from 'node:os';
import type { Db, Tx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import {
  checkpointsBetween, countCheckpoints, countFinalEntriesWithoutLeaf, exportSnapshot, inSnapshot, latestCheckpoint, latestSealerState, leafAt,
} from './audit.repository.js';
import { checkChunk, type CheckedChunk, type LeafChunk } from './leaf-chunk.js';
import { LeafCheckThreads } from './leaf-check-threads.js';
import { CheckpointSigner, CheckpointVerifier } from './checkpoint.js';
import { MerkleFrontier } from './merkle.js';

/** The verdict: everything fits, or the first index that does not and why. */
export type VerifyResult =
  | { ok: true; treeSize: number; checkpoints: number }
  | { ok: false; firstBadIndex: number; problem: string };

/** Leaves per chunk: large enough to stream at full speed, small enough to bound memory. */
const CHUNK = 20_000;

/**
 * Chunks requested ahead when this thread checks them itself. A chunk is two reads, the second
 * (its entries) sent only once the first (its leaves) is back — and this thread cannot send it
 * while it is busy hashing the chunk before. With two ahead PostgreSQL can run out of work while
 * a chunk is hashed; with three it still has another chunk's entries to build. (Rates with 2, 3
 * and 4 ahead, measured on a loaded machine, did not separate from the noise.)
 */
const IN_THREAD_AHEAD = 3;

/** Below this many leaves, starting threads costs more than they save. */
const THREADS_FROM = 2 * CHUNK;
/**
 * Threads for a large log: one per core but one, left to PostgreSQL, which does half the work or
 * more. On the 2-core benchmark machine that is one: there, two threads measured no faster than
 * one (74,862 against 77,400 entries/s over 1M entries, and about half as fast over 100k, where
 * starting them costs more), since one thread and its backend already keep both cores busy.
 */
const DEFAULT_THREADS = Math.max(1, availableParallelism() - 1);

export interface VerifyOptions {
  /** Threads that read and check chunks; default DEFAULT_THREADS for a large log (needs databaseUrl). */
  threads?: number;
  /** Leaves per chunk (tests use small ones to cross chunk edges). */
  chunkSize?: number;
}

/**
 * Recomputes the audit from the database and the signed checkpoints and names the FIRST index
 * that was changed, removed or reordered. In index order:
 * - leaf indexes run 0, 1, 2… without a gap, and each leaf's entry exists and hashes to the stored
 *   leaf — the id is in the hash, so an edited, deleted or swapped row is caught at its own index
 *   (leaf-chunk.ts; for a large log, threads check chunks side by side);
 * - at every checkpoint size the recomputed root equals the stored root and the signed note
 *   verifies with this instance's key. This is what catches an entry rewritten together with its
 *   stored leaf hash: the first bad index is then named as the previous good checkpoint's size.
 *   That is the lowest index we can justify: leaves below it are pinned by a signed root that
 *   still matches, while the failing root only says that some leaf in [previous size, this size)
 *   changed — it cannot say which;
 * - the newest checkpoint covers no more leaves than there are (a truncated tail), and no leaf
 *   lies beyond it (the sealer writes leaves and their checkpoint in one transaction);
 * - no entry the sealer has already passed over is missing from the tree.
 * Everything is read in one REPEATABLE READ snapshot (the threads import it), so a seal committing
 * meanwhile is not mistaken for tampering. What this cannot see alone — the newest checkpoints
 * deleted together with the tail — is what witnesses holding earlier checkpoints catch
 * (consistency proofs). `databaseUrl` lets threads open their own connections.
 */
export async function verifyAudit(
  deps: { db: Db; keys: Keyring; origin?: string; databaseUrl?: string },
  onProgress?: ProgressReporter,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const verifierKey = new CheckpointSigner(deps.keys, deps.origin).verifierKey();
  return inSnapshot(deps.db, async (tx) => {
    const newest = await latestCheckpoint(tx);
    const total = newest?.tree_size ?? 0;
    const chunkSize = options.chunkSize ?? CHUNK;
    const threads = options.threads ?? (total >= THREADS_FROM ? DEFAULT_THREADS : 1);
    if (threads <= 1 || !deps.databaseUrl) return verifyInSnapshot(tx, { total, chunkSize, verifierKey, check: (chunk) => checkChunk(tx, chunk), inFlight: IN_THREAD_AHEAD }, onProgress);
    const pool = new LeafCheckThreads({ databaseUrl: deps.databaseUrl, snapshotId: await exportSnapshot(tx), threads });
    try {
      return await verifyInSnapshot(tx, { total, chunkSize, verifierKey, check: (chunk) => pool.check(chunk), inFlight: 2 * threads }, onProgress);
    } finally {
      await pool.close();
    }
  });
}

interface VerifyPlan {
  total: number;
  chunkSize: number;
  verifierKey: string;
  /** Checks one chunk's leaves: in this thread on `tx`, or in a thread in the same snapshot. */
  check: (chunk: LeafChunk) => Promise<CheckedChunk>;
  /** Chunks requested ahead of the one being folded into the tree. */
  inFlight: number;
}

async function verifyInSnapshot(tx: Tx, plan: VerifyPlan, onProgress?: ProgressReporter): Promise<VerifyResult> {
  const { total, chunkSize, verifierKey } = plan;
  const checkpointCount = await countCheckpoints(tx);
  const frontier = new MerkleFrontier();
  const checkpointVerifier = CheckpointVerifier.forKey(verifierKey);
  let lastGoodSize = 0;
  onProgress?.('verify', 0, total);

  // Chunks are checked ahead, in parallel when threads do it, and folded into the tree in order.
  // A chunk that proves bad ends the run; checks still running are then simply dropped.
  const requested: Promise<CheckedChunk>[] = [];
  const request = (from: number) => {
    if (from >= total) return;
    const checked = plan.check({ from, to: Math.min(total, from + chunkSize), total });
    checked.catch(() => undefined);
    requested.push(checked);
  };
  for (let i = 0; i < plan.inFlight; i++) request(i * chunkSize);
  for (let next = 0; next < requested.length; next++) {
    const checked = await requested[next]!;
    request((next + plan.inFlight) * chunkSize);
    const hashes = Buffer.from(checked.hashes.buffer, checked.hashes.byteOffset, checked.hashes.byteLength);
    const checkpoints = await checkpointsBetween(tx, checked.from, checked.from + checked.count);
    let nextCheckpoint = 0;
    for (let i = 0; i < checked.count; i++) {
      frontier.appendDigest(hashes.toString('latin1', i * 32, i * 32 + 32));
      const checkpoint = checkpoints[nextCheckpoint];
      if (checkpoint?.tree_size !== frontier.treeSize) continue;
      nextCheckpoint += 1;
      const size = frontier.treeSize;
      const root = frontier.root();
      const note = checkpointVerifier?.verify(checkpoint.signed_note) ?? null;
      if (!note || note.treeSize !== size || !note.root.equals(root) || !checkpoint.root_hash.equals(root)) {
        return {
          ok: false,
          firstBadIndex: lastGoodSize,
          problem: note
            ? `the signed checkpoint at size ${size} does not match the leaves from index ${lastGoodSize}: one of them was rewritten`
            : `the checkpoint at size ${size} does not carry a valid signature by ${verifierKey.split('+')[0]!}`,
        };
      }
      // The stored frontier seeds the next round; if it were altered the next root would be wrong.
      if (!sameHashes(checkpoint.frontier, frontier.subtreeRoots)) {
        return { ok: false, firstBadIndex: size, problem: `the stored frontier of the checkpoint at size ${size} has been altered` };
      }
      lastGoodSize = size;
    }
    if (checked.problem) return { ok: false, firstBadIndex: checked.problem.index, problem: checked.problem.problem };
    onProgress?.('verify', frontier.treeSize, total);
  }

  if (await leafAt(tx, total)) {
    return { ok: false, firstBadIndex: total, problem: `leaf ${total} is not covered by any signed checkpoint (the newest covers ${total})` };
  }
  const state = await latestSealerState(tx);
  if ((state?.tree_size ?? 0) !== total) {
    return { ok: false, firstBadIndex: Math.min(state?.tree_size ?? 0, total), problem: 'the sealer state does not match the newest checkpoint' };
  }
  if (state && (await countFinalEntriesWithoutLeaf(tx, state.sealed_snapshot)) > 0) {
    return { ok: false, firstBadIndex: total, problem: 'entries that were already sealed are missing from the tree' };
  }
  return { ok: true, treeSize: frontier.treeSize, checkpoints: checkpointCount };
}

function sameHashes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((hash, i) => hash.equals(b[i]!));
}
