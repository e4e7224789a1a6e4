import { inTransaction, type Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import type { Logger } from '../platform/logging/logger.js';
import {
  canonicalEntriesByIds, currentSnapshot, entryIdsFinishedBetween, insertCheckpoint, insertLeaves, latestCheckpoint, latestSealerState, lockSealer, snapshotXmin,
} from './audit.repository.js';
import { CheckpointSigner } from './checkpoint.js';
import { leafHashOf, MerkleFrontier } from './merkle.js';
import { startPeriodicJob } from '../platform/jobs/periodic-job.js';

/** Entries hashed and appended per statement; bounds memory however large the backlog. */
const BATCH = 5_000;

/** What a sealing round did. */
export interface SealResult {
  treeSize: number;
  added: number;
}

/**
 * One sealing round: appends every entry whose transaction has finished since the last round, in
 * id order, with contiguous leaf indexes, and signs a checkpoint — all in one transaction under
 * an advisory lock, so two sealers never interleave and a failed round leaves nothing behind.
 *
 * "Finished since the last round" means visible in this round's snapshot and not in the last
 * one's. Every transaction is in exactly one such difference, so each entry is sealed exactly
 * once, including one committed late with a low id; a transaction still running is simply taken
 * next time. Writers take no lock at all (SECURITY.md §2: a global lock per request cost 3×).
 *
 * Design note: the brief proposed the xmin horizon (pg_snapshot_xmin) as the boundary. Xids are
 * cluster-wide, so one long write anywhere on the server — an import, a demo seed, another
 * database — would stall the horizon and with it all sealing; comparing whole snapshots is just as
 * gap-free and never waits. The checkpoint row still records the xmin for people reading it.
 */
export async function sealAudit(deps: { db: Db; signer: CheckpointSigner; clock: Clock }): Promise<SealResult> {
  return inTransaction(deps.db, async (tx) => {
    await lockSealer(tx);
    // Taken after the lock: the previous round has committed, so its snapshot is an ancestor of ours.
    const upTo = await currentSnapshot(tx);
    const state = await latestSealerState(tx);
    const last = await latestCheckpoint(tx);
    if ((state?.tree_size ?? 0) !== (last?.tree_size ?? 0)) {
      throw new Error(`the audit sealer state (${state?.tree_size ?? 0}) and the newest checkpoint (${last?.tree_size ?? 0}) disagree; run: signpost audit verify`);
    }
    const frontier = last ? MerkleFrontier.restore(last.tree_size, last.frontier) : new MerkleFrontier();
    const startSize = frontier.treeSize;
    const ids = await entryIdsFinishedBetween(tx, { after: state?.sealed_snapshot ?? null, upTo });
    for (let at = 0; at < ids.length; at += BATCH) {
      // The same canonical text the verifier reads (canonical-text.test.ts holds it to audit-entry.ts).
      const entries = await canonicalEntriesByIds(tx, ids.slice(at, at + BATCH));
      const leaves = entries.map((entry) => {
        const hash = leafHashOf(entry.salt, entry.canonical);
        const leafIndex = frontier.treeSize;
        frontier.append(hash);
        return { leafIndex, entryId: entry.id, leafHash: hash };
      });
      await insertLeaves(tx, leaves);
    }
    const added = frontier.treeSize - startSize;
    if (added === 0) return { treeSize: frontier.treeSize, added };
    const root = frontier.root();
    await insertCheckpoint(tx, {
      treeSize: frontier.treeSize,
      root,
      frontier: frontier.subtreeRoots,
      sealedSnapshot: upTo,
      xidHorizon: await snapshotXmin(tx, upTo),
      signedNote: deps.signer.sign(frontier.treeSize, root),
      at: deps.clock.now(),
    });
    return { treeSize: frontier.treeSize, added };
  });
}

/** A running background sealer. */
export interface AuditSealer {
  /** Stops the timer and waits for a round in progress to finish. */
  stop(): Promise<void>;
  /** Seals now (after any round in progress), e.g. before printing a checkpoint. */
  sealNow(): Promise<{ treeSize: number }>;
}

export interface AuditSealerOptions {
  db: Db;
  keys: Keyring;
  clock: Clock;
  logger: Logger;
  /** Time between rounds; default 5 s. */
  intervalMs?: number;
  /** Checkpoint origin, `signpost.audit/<instance>`. */
  origin?: string;
}

/**
 * Seals the audit in the background, away from the request path. Rounds never overlap (the next is
 * scheduled when one ends). A failed round is logged and retried next time; entries wait in
 * audit_entries, they are never lost.
 */
export function startAuditSealer(options: AuditSealerOptions): AuditSealer {
  const signer = new CheckpointSigner(options.keys, options.origin);
  const seal = () => sealAudit({ db: options.db, signer, clock: options.clock });
  const { logger } = options;
  const intervalMs = options.intervalMs ?? 5_000;

  const job = startPeriodicJob({
    run: seal,
    intervalMs,
    onResult: (result) => logger.debug({ treeSize: result.treeSize }, 'audit sealed'),
    // Only the message: an error here never carries entry contents, but keep logs lean anyway.
    onError: (error) => logger.warn({ err: { message: (error as Error).message } }, 'audit sealing round failed; will retry'),
  });
  return { stop: () => job.stop(), sealNow: () => job.runNow() };
}
