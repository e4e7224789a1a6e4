import type { Db, Tx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { entryLeafHash } from './audit-entry.js';
import {
  checkpointsBetween, countCheckpoints, countFinalEntriesWithoutLeaf, inSnapshot, latestCheckpoint, latestSealerState, leavesWithEntries,
} from './audit.repository.js';
import { CheckpointSigner, verifyCheckpoint } from './checkpoint.js';
import { MerkleFrontier } from './merkle.js';

/** The verdict: everything fits, or the first index that does not and why. */
export type VerifyResult =
  | { ok: true; treeSize: number; checkpoints: number }
  | { ok: false; firstBadIndex: number; problem: string };

/** Leaves read per query; large enough to stream at full speed, small enough to bound memory. */
const BATCH = 10_000;

/**
 * Recomputes the audit from the database and the signed checkpoints and names the FIRST index
 * that was changed, removed or reordered. In index order:
 * - leaf indexes run 0, 1, 2… without a gap, and each leaf's entry exists and hashes to the stored
 *   leaf — the id is in the hash, so an edited, deleted or swapped row is caught at its own index;
 * - at every checkpoint size the recomputed root equals the stored root and the signed note
 *   verifies with this instance's key. This is what catches an entry rewritten together with its
 *   stored leaf hash: the first bad index is then named as the previous good checkpoint's size.
 *   That is the lowest index we can justify: leaves below it are pinned by a signed root that
 *   still matches, while the failing root only says that some leaf in [previous size, this size)
 *   changed — it cannot say which;
 * - the newest checkpoint covers no more leaves than there are (a truncated tail), and no leaf
 *   lies beyond it (the sealer writes leaves and their checkpoint in one transaction);
 * - no entry the sealer has already passed over is missing from the tree.
 * Everything is read in one REPEATABLE READ snapshot, so a seal committing meanwhile is not
 * mistaken for tampering. What this cannot see alone — the newest checkpoints deleted together
 * with the tail — is what witnesses holding earlier checkpoints catch (consistency proofs).
 */
export async function verifyAudit(
  deps: { db: Db; keys: Keyring; origin?: string },
  onProgress?: ProgressReporter,
): Promise<VerifyResult> {
  const verifierKey = new CheckpointSigner(deps.keys, deps.origin).verifierKey();
  return inSnapshot(deps.db, (tx) => verifyInSnapshot(tx, verifierKey, onProgress));
}

async function verifyInSnapshot(tx: Tx, verifierKey: string, onProgress?: ProgressReporter): Promise<VerifyResult> {
  const newest = await latestCheckpoint(tx);
  const total = newest?.tree_size ?? 0;
  const checkpointCount = await countCheckpoints(tx);
  const frontier = new MerkleFrontier();
  let lastGoodSize = 0;
  onProgress?.('verify', 0, total);

  // Read ahead: the database fetches the next batch while this one is hashed. A batch that proves
  // bad ends the run before the read-ahead is used; its result is then simply dropped.
  const fetch = (from: number) => {
    const read = Promise.all([leavesWithEntries(tx, from, BATCH), checkpointsBetween(tx, from, from + BATCH)]);
    read.catch(() => undefined);
    return read;
  };
  for (let pending = fetch(0); ;) {
    const [batch, checkpoints] = await pending;
    if (batch.length === 0) break;
    pending = fetch(frontier.treeSize + batch.length);
    let nextCheckpoint = 0;
    for (const leaf of batch) {
      const index = frontier.treeSize;
      if (index >= total) {
        return { ok: false, firstBadIndex: index, problem: `leaf ${index} is not covered by any signed checkpoint (the newest covers ${total})` };
      }
      if (leaf.leafIndex !== index) return { ok: false, firstBadIndex: index, problem: `leaf ${index} is missing` };
      if (!leaf.entry) return { ok: false, firstBadIndex: index, problem: `the entry sealed at index ${index} has been removed` };
      if (!entryLeafHash(leaf.entry).equals(leaf.leafHash)) {
        return { ok: false, firstBadIndex: index, problem: `the entry at index ${index} has been changed or moved` };
      }
      frontier.append(leaf.leafHash);
      const checkpoint = checkpoints[nextCheckpoint];
      if (checkpoint?.tree_size === frontier.treeSize) {
        nextCheckpoint += 1;
        const size = frontier.treeSize;
        const root = frontier.root();
        const note = verifyCheckpoint(checkpoint.signed_note, verifierKey);
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
    }
    onProgress?.('verify', Math.min(frontier.treeSize, total), total);
  }

  if (total > frontier.treeSize) {
    return { ok: false, firstBadIndex: frontier.treeSize, problem: `a signed checkpoint covers ${total} entries but leaf ${frontier.treeSize} is missing` };
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
