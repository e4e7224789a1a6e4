import { randomBytes } from 'node:crypto';
import type { Db, DbOrTx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { AuditEntry, StampedAuditEntry } from './audit-entry.js';
import {
  checkpointOfSize, inSnapshot, insertAuditEntries, insertAuditEntry, latestCheckpoint, leafAt, leafHashesBetween,
} from './audit.repository.js';
import { sealAudit, type SealResult } from './audit-sealer.js';
import { CheckpointSigner } from './checkpoint.js';
import { consistencyRanges, hashRanges, inclusionRanges } from './merkle.js';

/** Proof that one entry is in a signed tree (RFC 9162 §2.1.3), printable for a witness. */
export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** base64 of the leaf hash: SHA-256(0x00 ‖ salt ‖ canonical entry). */
  leafHash: string;
  /** base64 node hashes, lowest first. */
  auditPath: string[];
  /** The C2SP signed checkpoint whose root the path leads to. */
  checkpoint: string;
}

/** Proof that a later signed tree extends an earlier one unchanged (RFC 9162 §2.1.4). */
export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  proof: string[];
  fromCheckpoint: string | null;
  toCheckpoint: string;
}

/**
 * Writing, sealing and proving the audit. `record` runs inside the caller's transaction, so the
 * access and its entry commit together or not at all. Sealing runs apart from requests (see
 * audit-sealer.ts): a global hash-chain lock per request cut throughput by two thirds here
 * (SECURITY.md §2).
 */
export class AuditService {
  readonly signer: CheckpointSigner;

  constructor(private readonly deps: { db: Db; keys: Keyring; clock: Clock; origin?: string }) {
    this.signer = new CheckpointSigner(deps.keys, deps.origin);
  }

  /**
   * Writes one entry in `tx` — the access's own transaction — with a fresh 16-byte salt. If this
   * fails the caller's transaction fails: no audit, no data. Never put a name, a date of birth or
   * identifying free text in `reason`; it is shown to the family in a subject access report.
   */
  async record(tx: DbOrTx, entry: Omit<AuditEntry, 'occurredAt'>): Promise<void> {
    const { entry: stamped, salt } = this.stamp(entry);
    await insertAuditEntry(tx, stamped, salt);
  }

  /**
   * An entry made ready (time and salt) for a statement that writes it along with the access it
   * records (see auditEntriesInsert), for reads whose every round trip counts: the entry commits
   * with that statement or not at all. The same rules as `record` apply to `reason`.
   */
  stamp(entry: Omit<AuditEntry, 'occurredAt'>): StampedAuditEntry {
    return { entry: { ...entry, occurredAt: this.deps.clock.now() }, salt: randomBytes(16) };
  }

  /** Writes several entries in `tx` in one statement, e.g. one per record of an import. */
  async recordMany(tx: DbOrTx, entries: readonly Omit<AuditEntry, 'occurredAt'>[]): Promise<void> {
    const occurredAt = this.deps.clock.now();
    await insertAuditEntries(tx, entries.map((entry) => ({ entry: { ...entry, occurredAt }, salt: randomBytes(16) })));
  }

  /** One sealing round now (the background sealer does this every few seconds). */
  sealNow(): Promise<SealResult> {
    return sealAudit({ db: this.deps.db, signer: this.signer, clock: this.deps.clock });
  }

  /** The newest signed checkpoint, sealing first so it covers everything finished so far. */
  async checkpoint(): Promise<string | null> {
    await this.sealNow();
    return (await latestCheckpoint(this.deps.db))?.signed_note ?? null;
  }

  /** The verifier key witnesses configure to check checkpoints without the database. */
  verifierKey(): string {
    return this.signer.verifierKey();
  }

  /**
   * The inclusion proof for leaf `index` in the signed tree of `treeSize` leaves (default: the
   * newest checkpoint). Only checkpointed sizes can be proved: a root nobody signed proves nothing.
   */
  async prove(index: number, treeSize?: number): Promise<InclusionProof> {
    if (!Number.isSafeInteger(index) || index < 0) throw new ValidationError('The index must be a whole number, 0 or more.', { index: 'Enter a whole number, 0 or more' });
    return inSnapshot(this.deps.db, async (tx) => {
      const checkpoint = await this.#checkpointFor(tx, treeSize);
      if (index >= checkpoint.tree_size) {
        throw new ValidationError(
          `Index ${index} is outside the signed tree of ${checkpoint.tree_size} entries (indexes run from 0 to ${checkpoint.tree_size - 1}).`,
          { index: `Enter an index below ${checkpoint.tree_size}` },
        );
      }
      const leaf = await leafAt(tx, index);
      if (!leaf) throw new NotFoundError(`Leaf ${index} is missing from the database; run: signpost audit verify`);
      const path = await hashRanges(inclusionRanges(index, checkpoint.tree_size), (start, end) => leafHashesBetween(tx, start, end));
      return {
        leafIndex: index,
        treeSize: checkpoint.tree_size,
        leafHash: leaf.leaf_hash.toString('base64'),
        auditPath: path.map((h) => h.toString('base64')),
        checkpoint: checkpoint.signed_note,
      };
    });
  }

  /** The consistency proof between two signed tree sizes, for a witness holding the older one. */
  async proveConsistency(fromSize: number, toSize?: number): Promise<ConsistencyProof> {
    if (!Number.isSafeInteger(fromSize) || fromSize < 0) throw new ValidationError('The size must be a whole number, 0 or more.', { from: 'Enter a whole number, 0 or more' });
    return inSnapshot(this.deps.db, async (tx) => {
      const to = await this.#checkpointFor(tx, toSize);
      if (fromSize > to.tree_size) throw new ValidationError(`Size ${fromSize} is larger than the signed tree of ${to.tree_size} entries.`, { from: `Enter a size up to ${to.tree_size}` });
      const from = fromSize === 0 ? null : await checkpointOfSize(tx, fromSize);
      if (fromSize > 0 && !from) throw new NotFoundError(`No signed checkpoint has size ${fromSize}.`);
      const proof = await hashRanges(consistencyRanges(fromSize, to.tree_size), (start, end) => leafHashesBetween(tx, start, end));
      return { fromSize, toSize: to.tree_size, proof: proof.map((h) => h.toString('base64')), fromCheckpoint: from?.signed_note ?? null, toCheckpoint: to.signed_note };
    });
  }

  async #checkpointFor(tx: DbOrTx, treeSize: number | undefined) {
    if (treeSize !== undefined && (!Number.isSafeInteger(treeSize) || treeSize < 1)) {
      throw new ValidationError('The size must be a whole number, 1 or more.', { size: 'Enter a whole number, 1 or more' });
    }
    const checkpoint = treeSize === undefined ? await latestCheckpoint(tx) : await checkpointOfSize(tx, treeSize);
    if (!checkpoint) {
      throw new NotFoundError(treeSize === undefined
        ? 'The audit log has no signed checkpoint yet: nothing has been sealed.'
        : `No signed checkpoint has size ${treeSize}. Run "signpost audit checkpoint" for the newest size.`);
    }
    return checkpoint;
  }
}
