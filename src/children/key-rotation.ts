import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../platform/config/config.js';
import { DecryptionError } from '../platform/crypto/aead.js';
import type { Keyring, WrapKeySource } from '../platform/crypto/keyring.js';
import { inTransaction, type Db, type Tx } from '../platform/db/database.js';
import { ConflictError } from '../platform/http/errors.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { ChildCrypto } from './child-crypto.js';
import {
  countWrappedKeysBelow,
  countWrappedKeysByVersion,
  lockWrappedKeysBelow,
  updateWrappedKeys,
  type WrappedKeyCursor,
} from './key-rotation.repository.js';

export const DEFAULT_ROTATION_BATCH = 1000;
/** Passes over the table before giving up on rows that stay locked by other transactions. */
const MAX_PASSES = 5;
export const REWRAP_STAGE = 're-wrapping';

export interface RotationOptions {
  /**
   * true (`signpost keys rotate`): add a wrapping key version, then re-wrap every data key under
   * it. false (`--continue`): only finish moving data keys to the current version.
   */
  newKey: boolean;
  /** Data keys per transaction (default 1000). */
  batchSize?: number;
  /** Stop after this many batches (for a partial run); `--continue` picks up from there. */
  maxBatches?: number;
  /** Aborting stops after the batch in hand (Ctrl-C); what was committed stays. */
  signal?: AbortSignal;
  onProgress?: ProgressReporter;
  /** Pause before looking again for rows that were locked by other transactions (default 200 ms). */
  retryDelayMs?: number;
}

export interface RotationResult {
  /** The wrapping key version data keys were moved to. */
  version: number;
  /** Set when this run added the version; `file` when it was written to a key file. */
  created: { version: number; file: string | undefined } | undefined;
  rewrapped: number;
  /** Children whose wrapped key would not open (altered or from elsewhere): left as they were. */
  failed: string[];
  /** Data keys still below `version` (failed, locked throughout, or left by a stop). */
  remaining: number;
  /** Stopped early by `maxBatches` or the signal. */
  stopped: boolean;
}

export interface WrapVersionStatus {
  version: number;
  /** Data keys wrapped under this version. */
  rows: number;
  available: boolean;
  /** The key file (directory source, version 2 and later). */
  file: string | undefined;
}

export interface KeyStatus {
  source: WrapKeySource['kind'];
  currentVersion: number;
  versions: WrapVersionStatus[];
  /** Data keys wrapped below the current version: a rotation still to finish. */
  belowCurrent: number;
  /** Versions with rows whose key is not available: those children cannot be read. */
  missing: number[];
  /** Versions 2 and later below the current one that no data key uses any more. */
  unused: WrapVersionStatus[];
}

/**
 * Key rotation (SECURITY §3) without downtime: data keys are re-wrapped under a new wrapping key in
 * short transactions (each batch locks only its own rows and skips rows others hold), so the
 * service keeps reading and writing throughout. Each key is unwrapped with its old version,
 * wrapped with the new one and unwrapped again to check before it is written. A run that stops
 * part-way (crash, Ctrl-C) is finished by running again: rows already moved are not touched.
 * Nothing here sees a child's identity: only ids and keys pass through.
 */
export class KeyRotationService {
  readonly #crypto: ChildCrypto;

  constructor(private readonly deps: { db: Db; keys: Keyring }) {
    this.#crypto = new ChildCrypto(deps.keys);
  }

  async status(): Promise<KeyStatus> {
    const { keys, db } = this.deps;
    const counts = await countWrappedKeysByVersion(db);
    const currentVersion = keys.currentWrapVersion();
    const versionNumbers = [...new Set([...keys.wrapVersions(), ...counts.map((c) => c.wrapVersion)])].sort((a, b) => a - b);
    const versions = versionNumbers.map((version) => ({
      version,
      rows: counts.find((c) => c.wrapVersion === version)?.count ?? 0,
      available: keys.hasWrapKey(version),
      file: keys.wrapKeyFile(version),
    }));
    return {
      source: keys.wrapKeySource,
      currentVersion,
      versions,
      belowCurrent: versions.filter((v) => v.version < currentVersion).reduce((sum, v) => sum + v.rows, 0),
      missing: versions.filter((v) => v.rows > 0 && !v.available).map((v) => v.version),
      unused: versions.filter((v) => v.version >= 2 && v.version < currentVersion && v.rows === 0 && v.available),
    };
  }

  async rotate(options: RotationOptions): Promise<RotationResult> {
    const { keys, db } = this.deps;
    const batchSize = options.batchSize ?? DEFAULT_ROTATION_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a whole number of at least 1');

    // Every version a row is wrapped under must be readable before anything changes.
    const before = await this.status();
    if (before.missing.length > 0) {
      const version = before.missing[0]!;
      const rows = before.versions.find((v) => v.version === version)!.rows;
      throw new ConfigError(
        `${rows} data keys are wrapped under wrapping key version ${version}, which is not available` +
        `${keys.wrapKeyFile(version) ? ` (expected in ${keys.wrapKeyFile(version)})` : ''}. Restore it, then run: signpost keys rotate --continue`,
      );
    }

    let created: RotationResult['created'];
    if (options.newKey) {
      if (before.belowCurrent > 0 && keys.wrapKeySource !== 'secret-store') {
        throw new ConflictError(
          `An earlier rotation to wrapping key version ${before.currentVersion} has not finished: ${before.belowCurrent} data keys are still ` +
          'wrapped under older versions. Finish it with: signpost keys rotate --continue',
        );
      }
      // With a secret store the operator adds the version (and restarts Signpost with it); a
      // rotation then moves the data keys. Only when there is nothing to move is a new key needed.
      if (before.belowCurrent === 0) created = keys.addWrapKey();
    }
    const version = keys.currentWrapVersion();

    const total = await countWrappedKeysBelow(db, version);
    const failed = new Set<string>();
    let rewrapped = 0;
    let batches = 0;
    let stopped = false;
    options.onProgress?.(REWRAP_STAGE, 0, total);
    passes: for (let pass = 0; pass < MAX_PASSES; pass++) {
      let cursor: WrappedKeyCursor | null = null;
      for (;;) {
        if (options.signal?.aborted || (options.maxBatches !== undefined && batches >= options.maxBatches)) {
          stopped = true;
          break passes;
        }
        const batch = await inTransaction(db, (tx) => this.#rewrapBatch(tx, version, cursor, [...failed], batchSize));
        if (batch === null) break;
        for (const childId of batch.failed) failed.add(childId);
        cursor = batch.cursor;
        rewrapped += batch.rewrapped;
        batches += 1;
        options.onProgress?.(REWRAP_STAGE, rewrapped + failed.size, Math.max(total, rewrapped + failed.size));
      }
      // Rows skipped because a writer held them, or written under an older version by a server
      // that had not yet seen the new key: look again after a moment.
      if ((await countWrappedKeysBelow(db, version, [...failed])) === 0) break;
      await sleep(options.retryDelayMs ?? 200);
    }
    return { version, created, rewrapped, failed: [...failed], remaining: await countWrappedKeysBelow(db, version), stopped };
  }

  async #rewrapBatch(
    tx: Tx, version: number, cursor: WrappedKeyCursor | null, exclude: string[], limit: number,
  ): Promise<{ cursor: WrappedKeyCursor; rewrapped: number; failed: string[] } | null> {
    const rows = await lockWrappedKeysBelow(tx, version, cursor, exclude, limit);
    if (rows.length === 0) return null;
    const crypto = this.#crypto;
    const updates: { childId: string; fromVersion: number; wrappedKey: Buffer }[] = [];
    const failed: string[] = [];
    for (const row of rows) {
      let dataKey: Buffer;
      try {
        dataKey = crypto.unwrapDataKey(row.childId, row.keyVersion, row.wrapVersion, row.wrappedKey);
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        failed.push(row.childId);
        continue;
      }
      const wrappedKey = crypto.wrapDataKey(row.childId, row.keyVersion, version, dataKey);
      // Check before writing: the new wrapping must give back exactly the same data key.
      if (!crypto.unwrapDataKey(row.childId, row.keyVersion, version, wrappedKey).equals(dataKey)) {
        throw new Error(`Re-wrapping the data key of child ${row.childId} did not round-trip; nothing in this batch was written`);
      }
      updates.push({ childId: row.childId, fromVersion: row.wrapVersion, wrappedKey });
    }
    const changed = await updateWrappedKeys(tx, version, updates);
    if (changed !== updates.length) throw new Error(`Expected to re-wrap ${updates.length} data keys but ${changed} changed; nothing in this batch was written`);
    const last = rows[rows.length - 1]!;
    return { cursor: { wrapVersion: last.wrapVersion, childId: last.childId }, rewrapped: changed, failed };
  }
}
