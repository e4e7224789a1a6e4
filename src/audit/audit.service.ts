import { randomBytes } from 'node:crypto';
import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { canonicalEntry, type AuditEntry } from './audit-entry.js';
import {
  entriesFinishedBetween, finishedXidHorizon, insertAuditEntry, insertCheckpoint, insertLeaves, latestCheckpoint, lockSealer,
} from './audit.repository.js';
import { CheckpointSigner } from './checkpoint.js';
import { leafHash, MerkleFrontier } from './merkle.js';

/**
 * Writing and sealing the audit. `record` runs inside the caller's transaction, so the access and
 * its entry commit together or not at all. Sealing runs apart from requests: a global hash-chain
 * lock per request cut throughput by two thirds here (SECURITY.md §2).
 */
export class AuditService {
  readonly signer: CheckpointSigner;

  constructor(private readonly deps: { db: Db; keys: Keyring; clock: Clock }) {
    this.signer = new CheckpointSigner(deps.keys);
  }

  /** Writes one entry in `tx` (the access's own transaction). */
  async record(tx: DbOrTx, entry: Omit<AuditEntry, 'occurredAt'>): Promise<void> {
    await insertAuditEntry(tx, { ...entry, occurredAt: this.deps.clock.now() }, randomBytes(16));
  }

  /**
   * One sealing round: appends every entry whose transaction has finished since the last round,
   * in id order, and signs a checkpoint. Entries are taken by transaction-id range, so an entry
   * committed late with a low id is still sealed, exactly once, and leaf indexes have no gaps.
   */
  async sealNow(): Promise<{ treeSize: number; added: number }> {
    return inTransaction(this.deps.db, async (tx) => {
      await lockSealer(tx);
      const horizon = await finishedXidHorizon(tx);
      const last = await latestCheckpoint(tx);
      const from = last?.xid_horizon ?? '0';
      const entries = BigInt(horizon) > BigInt(from) ? await entriesFinishedBetween(tx, from, horizon) : [];
      const frontier = last ? MerkleFrontier.restore(last.tree_size, last.frontier) : new MerkleFrontier();
      if (entries.length === 0) return { treeSize: frontier.treeSize, added: 0 };
      const leaves = entries.map((entry) => {
        const hash = leafHash(canonicalEntry(entry));
        const leafIndex = frontier.treeSize;
        frontier.append(hash);
        return { leafIndex, entryId: entry.id, leafHash: hash };
      });
      await insertLeaves(tx, leaves);
      const root = frontier.root();
      await insertCheckpoint(tx, {
        treeSize: frontier.treeSize,
        root,
        frontier: frontier.subtreeRoots,
        xidHorizon: horizon,
        signedNote: this.signer.sign(frontier.treeSize, root),
        at: this.deps.clock.now(),
      });
      return { treeSize: frontier.treeSize, added: entries.length };
    });
  }

  /** The newest signed checkpoint, sealing first so it covers everything finished so far. */
  async checkpoint(): Promise<string | null> {
    await this.sealNow();
    return (await latestCheckpoint(this.deps.db))?.signed_note ?? null;
  }
}
