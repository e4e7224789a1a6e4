import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { BlindIndexEntry, BlindIndexKind, IdentityProbe } from './blind-index.js';
import type { Child, ChildFacts, ChildIdentity, ChildPerson } from './child-identity.js';
import { ChildSealer, type PreparedChild } from './child-sealer.js';
import type { BlockingProbe, BlockingRule } from './blind-index.js';
import {
  childExists,
  countChildren,
  deleteChildKeyAndIndex,
  findChildIdsByBlindIndex,
  findChildIdsByBlockingKeysForEach,
  findShieldedChildrenEntries,
  findShieldedChildrenVersions,
  findSealedChild,
  findSealedChildren,
  type AlongsideColumn,
  findSealedPersonFields,
  type FactColumns,
  insertPreparedChildren,
  updateSealedChild,
} from './children.repository.js';

/**
 * The encrypted child identity store. Identities are sealed before they reach a repository and
 * opened only here, so nothing below the service ever sees a name. Callers are responsible for
 * access decisions and audit; this layer must never log identity values.
 */
export class ChildrenService {
  readonly sealer: ChildSealer;
  /**
   * The data key each child object was opened with, so values sealed beside the identity can be
   * opened without reading and unwrapping again. Held only as long as the child object lives.
   */
  readonly #openedWith = new WeakMap<Child, { keyVersion: number; dataKey: Buffer }>();

  constructor(private readonly deps: { db: Db; keys: Keyring }) {
    this.sealer = new ChildSealer(deps.keys);
  }

  /** Seals and stores children, all or none. */
  async add(children: readonly Child[]): Promise<void> {
    const prepared = this.sealer.prepare(children);
    await this.storePrepared(prepared);
  }

  /**
   * Stores children already sealed with {@link ChildSealer} (bulk loads prepare ahead). One
   * statement, so all of the batch is stored or none of it.
   */
  async storePrepared(prepared: readonly PreparedChild[], db: DbOrTx = this.deps.db): Promise<void> {
    await insertPreparedChildren(db, prepared);
  }

  /**
   * Seals and stores new children in the caller's transaction, all or none. Like a read, it keeps
   * each child object's key while the object lives, so values for the new child (identifiers, a
   * shield reason) are sealed without reading its row back.
   */
  async storeNew(children: readonly Child[], db: DbOrTx): Promise<void> {
    const prepared = this.sealer.prepare(children);
    await this.storePrepared(prepared, db);
    const { crypto } = this.sealer;
    prepared.forEach((p, i) => {
      this.#openedWith.set(children[i]!, { keyVersion: p.keyVersion, dataKey: crypto.unwrapDataKey(p.facts.id, p.keyVersion, p.wrapVersion, p.wrappedKey) });
    });
  }

  count(): Promise<number> {
    return countChildren(this.deps.db);
  }

  exists(childId: string): Promise<boolean> {
    return childExists(this.deps.db, childId);
  }

  /**
   * The child with its identity opened; null when there is no such child or it has been shredded.
   * Pass a transaction to read inside it (e.g. after locking the child).
   */
  async read(childId: string, db: DbOrTx = this.deps.db): Promise<Child | null> {
    return this.#openRow(await findSealedChild(db, childId))?.child ?? null;
  }

  /**
   * The child's row with the `alongside` columns computed against it in the same statement (the
   * table is aliased `c`), by name, and `open()` to open its identity (null when shredded) once the
   * caller has decided it may: nothing is decrypted for a look that is refused. Null when there is
   * no such row.
   */
  async readAlong<K extends string>(childId: string, db: DbOrTx, alongside: Readonly<Record<K, AlongsideColumn>>): Promise<{ facts: ChildFacts; alongside: Readonly<Record<K, unknown>>; open(): Child | null } | null> {
    const row = await findSealedChild(db, childId, alongside);
    if (!row) return null;
    const columns = row as Record<string, unknown>;
    const names = Object.keys(alongside) as K[];
    return {
      facts: factsOf(row),
      alongside: Object.fromEntries(names.map((name) => [name, columns[name]])) as Record<K, unknown>,
      open: () => this.#openRow(row)?.child ?? null,
    };
  }

  /**
   * Re-seals a child's identity under its existing data key and rebuilds its blind indexes, inside
   * the caller's transaction. Returns false when the child has been shredded.
   */
  async replaceIdentity(tx: DbOrTx, facts: Omit<ChildFacts, 'shielded'>, identity: ChildIdentity): Promise<boolean> {
    const opened = await this.#open(facts.id, tx);
    if (!opened) return false;
    const sealed = this.sealer.crypto.sealIdentity(facts.id, opened.keyVersion, opened.dataKey, identity);
    await updateSealedChild(tx, facts, sealed, this.sealer.indexer.entriesFor(identity));
    return true;
  }

  /** Seals a value that belongs to the child (an identifier, a shield reason) under its data key. */
  async sealValue(db: DbOrTx, childId: string, column: string, value: string): Promise<Buffer | null> {
    return (await this.sealValues(db, childId, column, [value]))?.[0] ?? null;
  }

  /** Seals several values under a child's key, reading and unwrapping it once; null when shredded. */
  async sealValues(db: DbOrTx, childId: string, column: string, values: readonly string[]): Promise<Buffer[] | null> {
    if (values.length === 0) return [];
    const opened = await this.#open(childId, db);
    return opened ? values.map((value) => this.sealer.crypto.sealValue(childId, opened.keyVersion, opened.dataKey, column, value)) : null;
  }

  /**
   * Seals values under the key of a child this service has just stored ({@link storeNew}) or
   * opened: no read of the child's row.
   */
  sealValuesOf(child: Child, column: string, values: readonly string[]): Buffer[] {
    const opened = this.#openedWith.get(child);
    if (!opened) throw new Error('sealValuesOf needs a child stored or opened by this service');
    return values.map((value) => this.sealer.crypto.sealValue(child.id, opened.keyVersion, opened.dataKey, column, value));
  }

  /**
   * Opens values sealed with {@link sealValue} for a child this service has just opened (read,
   * readMany), with the key it was opened with: no second read of the child's row.
   */
  openValuesOf(child: Child, column: string, sealed: readonly Buffer[]): string[] {
    const opened = this.#openedWith.get(child);
    if (!opened) throw new Error('openValuesOf needs a child opened by this service');
    return sealed.map((s) => this.sealer.crypto.openValue(child.id, opened.keyVersion, opened.dataKey, column, s));
  }

  /** Opens values sealed with {@link sealValue}; null when the child has been shredded. */
  async openValues(db: DbOrTx, childId: string, column: string, sealed: readonly Buffer[]): Promise<string[] | null> {
    const opened = await this.#open(childId, db);
    return opened ? sealed.map((s) => this.sealer.crypto.openValue(childId, opened.keyVersion, opened.dataKey, column, s)) : null;
  }

  /** Several children opened, in one query; shredded and missing ones are left out. */
  async readMany(childIds: readonly string[], db: DbOrTx = this.deps.db): Promise<Child[]> {
    if (childIds.length === 0) return [];
    const rows = await findSealedChildren(db, childIds);
    return rows.map((row) => this.#openRow(row)?.child).filter((c): c is Child => c !== undefined);
  }

  /**
   * Several children opened only as far as a search needs (names, date of birth, NHS number), in
   * one query; shredded and missing ones are left out.
   */
  async readPeople(childIds: readonly string[], db: DbOrTx = this.deps.db): Promise<ChildPerson[]> {
    if (childIds.length === 0) return [];
    const { crypto } = this.sealer;
    return (await findSealedPersonFields(db, childIds)).map((row) => {
      const dataKey = crypto.unwrapDataKey(row.id, row.key_version, row.wrap_version, row.wrapped_key);
      return {
        ...factsOf(row),
        identity: crypto.openPersonFields(row.id, row.key_version, dataKey, {
          givenNames: row.given_names, familyName: row.family_name, formerFamilyNames: row.former_family_names, dateOfBirth: row.date_of_birth, nhsNumber: row.nhs_number,
        }),
      };
    });
  }

  async #open(childId: string, db: DbOrTx): Promise<{ child: Child; keyVersion: number; dataKey: Buffer } | null> {
    return this.#openRow(await findSealedChild(db, childId));
  }

  #openRow(row: Awaited<ReturnType<typeof findSealedChild>>): { child: Child; keyVersion: number; dataKey: Buffer } | null {
    if (!row || row.wrapped_key === null || row.key_version === null || row.wrap_version === null) return null;
    const { crypto } = this.sealer;
    const dataKey = crypto.unwrapDataKey(row.id, row.key_version, row.wrap_version, row.wrapped_key);
    const identity = crypto.openIdentity(row.id, row.key_version, dataKey, {
      givenNames: row.given_names,
      familyName: row.family_name,
      formerFamilyNames: row.former_family_names,
      dateOfBirth: row.date_of_birth,
      address: row.address,
      nhsNumber: row.nhs_number,
      previousAddresses: row.previous_addresses,
      parentsCarers: row.parents_carers,
    });
    const child: Child = { ...factsOf(row), identity };
    this.#openedWith.set(child, { keyVersion: row.key_version, dataKey });
    return { child, keyVersion: row.key_version, dataKey };
  }

  async readIdentity(childId: string): Promise<ChildIdentity | null> {
    return (await this.read(childId))?.identity ?? null;
  }

  /**
   * Crypto-shreds a child at the end of retention: the data key and blind indexes are deleted, so
   * the sealed fields (and every backup of them) can no longer be read or found. Returns false
   * when there was no key to delete.
   */
  shred(childId: string): Promise<boolean> {
    return inTransaction(this.deps.db, (tx) => deleteChildKeyAndIndex(tx, childId));
  }

  /** Blind-index values for a search or an incoming record. */
  probe(probe: IdentityProbe): BlindIndexEntry[] {
    return this.sealer.indexer.probeFor(probe);
  }

  /** The composite blocking keys and NHS number an incoming record is looked up by (BlindIndexer.blockingKeysFor). */
  blockingKeys(probe: Pick<IdentityProbe, 'familyName' | 'dateOfBirth' | 'postcode' | 'nhsNumber'>): BlindIndexEntry[] {
    return this.sealer.indexer.blockingKeysFor(probe);
  }

  /**
   * For each probe, the children holding one of its keys, scored and ranked by the online blocking
   * rule, in one query: one list per probe, in order.
   */
  findCandidatesForEach(probes: readonly BlockingProbe[], options: { limit: number; rule: BlockingRule }, db: DbOrTx = this.deps.db): Promise<{ childId: string; hits: number }[][]> {
    return findChildIdsByBlockingKeysForEach(db, probes, options.limit, options.rule);
  }

  /** The blind-index values of these kinds that shielded children (of `childIds`, if given) hold, each with its child. */
  shieldedEntries(kinds: readonly BlindIndexKind[], db: DbOrTx = this.deps.db, childIds?: readonly string[]): Promise<{ childId: string; kind: BlindIndexKind; value: Buffer }[]> {
    return findShieldedChildrenEntries(db, kinds, childIds);
  }

  /** Each shielded child with the version of its row (findShieldedChildrenVersions): a changed version, a changed child. */
  shieldedVersions(db: DbOrTx = this.deps.db): Promise<{ childId: string; version: string }[]> {
    return findShieldedChildrenVersions(db);
  }

  /** Candidate children sharing blind-index values with the probe, most shared first. */
  findCandidates(probe: IdentityProbe, limit = 50, db: DbOrTx = this.deps.db): Promise<{ childId: string; hits: number }[]> {
    return findChildIdsByBlindIndex(db, this.probe(probe), limit);
  }
}

/** The clear facts of a child's row, as every read returns them. */
function factsOf(row: FactColumns): ChildFacts {
  return {
    id: row.id,
    responsibleCouncilId: row.responsible_council_id,
    recordTrigger: row.record_trigger,
    triggerDate: row.trigger_date,
    sex: row.sex,
    unborn: row.unborn,
    shielded: row.shielded,
  };
}
