import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { canonicalEntry } from './audit-entry.js';
import { countFinalEntriesWithoutLeaf, latestCheckpoint, leavesWithEntries, listCheckpoints } from './audit.repository.js';
import { CheckpointSigner, verifyCheckpoint } from './checkpoint.js';
import { leafHash, MerkleFrontier } from './merkle.js';

export type VerifyResult =
  | { ok: true; treeSize: number; checkpoints: number }
  | { ok: false; firstBadIndex: number; problem: string };

const BATCH = 5_000;

/**
 * Recomputes the audit from the database and the signed checkpoints and names the first index
 * that was changed, removed or reordered:
 * - each leaf's entry must exist and hash to the stored leaf (an edited, deleted or swapped row
 *   is caught at its own index);
 * - leaf indexes must run 0, 1, 2… without a gap;
 * - the root at every checkpoint size must match and its signature verify (a leaf hash rewritten
 *   together with its entry is caught here; the first bad index is then at or after the previous
 *   good checkpoint, the lowest index the evidence allows us to name);
 * - the newest checkpoint may not be larger than the leaves (a truncated tail).
 */
export async function verifyAudit(deps: { db: Db; keys: Keyring }, onProgress?: ProgressReporter): Promise<VerifyResult> {
  const { db } = deps;
  const verifier = new CheckpointSigner(deps.keys).verifierKey();
  const checkpoints = await listCheckpoints(db);
  const total = checkpoints.at(-1)?.tree_size ?? 0;
  const frontier = new MerkleFrontier();
  let checkpointAt = 0;
  let lastGoodSize = 0;

  const checkCheckpointsUpTo = (size: number): VerifyResult | null => {
    while (checkpointAt < checkpoints.length && checkpoints[checkpointAt]!.tree_size <= size) {
      const checkpoint = checkpoints[checkpointAt]!;
      if (checkpoint.tree_size === size) {
        const note = verifyCheckpoint(checkpoint.signed_note, verifier);
        const root = frontier.root();
        if (!note || note.treeSize !== size || !note.root.equals(root) || !checkpoint.root_hash.equals(root)) {
          return { ok: false, firstBadIndex: lastGoodSize, problem: `the signed checkpoint at size ${size} does not match the leaves before it` };
        }
        lastGoodSize = size;
      }
      checkpointAt += 1;
    }
    return null;
  };

  for (let from = 0; ; ) {
    const batch = await leavesWithEntries(db, from, BATCH);
    if (batch.length === 0) break;
    for (const leaf of batch) {
      const expected = frontier.treeSize;
      if (leaf.leafIndex !== expected) return { ok: false, firstBadIndex: expected, problem: `leaf ${expected} is missing` };
      if (!leaf.entry) return { ok: false, firstBadIndex: expected, problem: `the entry sealed at index ${expected} has been removed` };
      if (!leafHash(canonicalEntry(leaf.entry)).equals(leaf.leafHash)) {
        return { ok: false, firstBadIndex: expected, problem: `the entry at index ${expected} has been changed or moved` };
      }
      frontier.append(leaf.leafHash);
      const failed = checkCheckpointsUpTo(frontier.treeSize);
      if (failed) return failed;
    }
    from = frontier.treeSize;
    onProgress?.('verify', Math.min(from, total), total);
  }
  if (total > frontier.treeSize) {
    return { ok: false, firstBadIndex: frontier.treeSize, problem: `a checkpoint covers ${total} entries but only ${frontier.treeSize} remain` };
  }
  const latest = await latestCheckpoint(db);
  if (latest && (await countFinalEntriesWithoutLeaf(db, latest.xid_horizon)) > 0) {
    return { ok: false, firstBadIndex: frontier.treeSize, problem: 'entries older than the last checkpoint are missing from the tree' };
  }
  return { ok: true, treeSize: frontier.treeSize, checkpoints: checkpoints.length };
}
