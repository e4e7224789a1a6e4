import type { Keyring } from '../platform/crypto/keyring.js';
import { BlindIndexer, type BlindIndexEntry } from './blind-index.js';
import { ChildCrypto, CURRENT_KEY_VERSION, type SealedIdentity } from './child-crypto.js';
import type { Child, ChildFacts } from './child-identity.js';

/** A child ready to store: clear facts, sealed identity, wrapped data key and blind indexes. */
export interface PreparedChild {
  facts: ChildFacts;
  sealed: SealedIdentity;
  keyVersion: number;
  /** The wrapping key version the data key is wrapped under (the keyring's current one). */
  wrapVersion: number;
  wrappedKey: Buffer;
  blindIndex: BlindIndexEntry[];
}

/**
 * Turns clear child records into what the database may hold. Pure CPU work with no database
 * access, so bulk loads can seal the next batch while the previous one is being written.
 */
export class ChildSealer {
  readonly crypto: ChildCrypto;
  readonly indexer: BlindIndexer;

  constructor(keys: Keyring) {
    this.crypto = new ChildCrypto(keys);
    this.indexer = new BlindIndexer(keys);
  }

  prepare(children: readonly Child[]): PreparedChild[] {
    const dataKeys = this.crypto.newDataKeys(children.length);
    const wrapVersion = this.crypto.currentWrapVersion();
    return children.map((child, i) => {
      const dataKey = dataKeys[i]!;
      const { identity, ...facts } = child;
      return {
        facts,
        sealed: this.crypto.sealIdentity(child.id, CURRENT_KEY_VERSION, dataKey, identity),
        keyVersion: CURRENT_KEY_VERSION,
        wrapVersion,
        wrappedKey: this.crypto.wrapDataKey(child.id, CURRENT_KEY_VERSION, wrapVersion, dataKey),
        blindIndex: this.indexer.entriesFor(identity),
      };
    });
  }
}
