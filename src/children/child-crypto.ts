import { randomBytes } from 'node:crypto';
import { open, seal } from '../platform/crypto/aead.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ChildAddress, ChildIdentity, ParentCarer, PersonFields, PreviousAddress } from './child-identity.js';

/** Data keys are versioned so a child's fields can later be re-sealed under a fresh key. */
export const CURRENT_KEY_VERSION = 1;

const DATA_KEY_BYTES = 32;

/** The sealed columns of a child row (null stays null: nothing to hide but absence). */
export interface SealedIdentity {
  givenNames: Buffer | null;
  familyName: Buffer;
  formerFamilyNames: Buffer | null;
  dateOfBirth: Buffer;
  address: Buffer;
  nhsNumber: Buffer | null;
  previousAddresses: Buffer | null;
  parentsCarers: Buffer | null;
}

/** The column each field is stored in; part of the additional data, so fields cannot be swapped. */
const FIELD = {
  givenNames: 'given_names',
  familyName: 'family_name',
  formerFamilyNames: 'former_family_names',
  dateOfBirth: 'date_of_birth',
  address: 'address',
  nhsNumber: 'nhs_number',
  previousAddresses: 'previous_addresses',
  parentsCarers: 'parents_carers',
} as const satisfies Record<keyof SealedIdentity, string>;

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/**
 * Envelope encryption for child identities (SECURITY §3): each child has its own 32-byte data
 * key, wrapped under the key-encryption key; each identifying field is sealed with AES-256-GCM
 * under the data key, its additional data naming the child, the field and the key version.
 * Deleting the wrapped key (the child_keys row) makes every copy of the fields unreadable.
 */
export class ChildCrypto {
  // Wrapping keys are versioned (see Keyring): version 1 is `keys.derive('child-data-key')`, the
  // key used before rotation existed; the keyring derives or reads each version once, not per child.
  readonly #keys: Keyring;

  constructor(keys: Keyring) {
    this.#keys = keys;
  }

  /** The wrapping key version new data keys are wrapped under (the keyring's highest). */
  currentWrapVersion(): number {
    return this.#keys.currentWrapVersion();
  }

  newDataKey(): Buffer {
    return randomBytes(DATA_KEY_BYTES);
  }

  /** Many data keys from one call to the random source, for bulk loads. */
  newDataKeys(count: number): Buffer[] {
    const pool = randomBytes(DATA_KEY_BYTES * count);
    return Array.from({ length: count }, (_, i) => pool.subarray(i * DATA_KEY_BYTES, (i + 1) * DATA_KEY_BYTES));
  }

  /** Wraps a child's data key under wrapping key `wrapVersion` (see Keyring.currentWrapVersion). */
  wrapDataKey(childId: string, keyVersion: number, wrapVersion: number, dataKey: Buffer): Buffer {
    return seal(this.#keys.wrapKey(wrapVersion), dataKey, wrapAad(childId, keyVersion, wrapVersion));
  }

  /**
   * Throws DecryptionError when the wrapped key belongs to another child, data key version or
   * wrapping key version, or was altered; ConfigError when that wrapping key is not available.
   */
  unwrapDataKey(childId: string, keyVersion: number, wrapVersion: number, wrappedKey: Buffer): Buffer {
    return open(this.#keys.wrapKey(wrapVersion), wrappedKey, wrapAad(childId, keyVersion, wrapVersion));
  }

  sealIdentity(childId: string, keyVersion: number, dataKey: Buffer, identity: ChildIdentity): SealedIdentity {
    const field = (name: keyof SealedIdentity, plaintext: Buffer) => seal(dataKey, plaintext, fieldAad(childId, name, keyVersion));
    return {
      givenNames: identity.givenNames === null ? null : field('givenNames', text(identity.givenNames)),
      familyName: field('familyName', text(identity.familyName)),
      formerFamilyNames: identity.formerFamilyNames.length === 0 ? null : field('formerFamilyNames', text(JSON.stringify(identity.formerFamilyNames))),
      dateOfBirth: field('dateOfBirth', text(identity.dateOfBirth)),
      address: field('address', text(JSON.stringify(identity.address))),
      nhsNumber: identity.nhsNumber === null ? null : field('nhsNumber', text(identity.nhsNumber)),
      previousAddresses: identity.previousAddresses?.length ? field('previousAddresses', text(JSON.stringify(identity.previousAddresses))) : null,
      parentsCarers: identity.parentsCarers?.length ? field('parentsCarers', text(JSON.stringify(identity.parentsCarers))) : null,
    };
  }

  /** Throws DecryptionError if any field was moved from another child, field or key version. */
  openIdentity(childId: string, keyVersion: number, dataKey: Buffer, sealed: SealedIdentity): ChildIdentity {
    const field = (name: keyof SealedIdentity, value: Buffer) => openField(childId, keyVersion, dataKey, name, value);
    const person = this.openPersonFields(childId, keyVersion, dataKey, sealed);
    // The fields in the order they were given, so an identity read back is one written.
    return {
      givenNames: person.givenNames,
      familyName: person.familyName,
      formerFamilyNames: person.formerFamilyNames,
      dateOfBirth: person.dateOfBirth,
      address: JSON.parse(field('address', sealed.address)) as ChildAddress,
      nhsNumber: person.nhsNumber,
      // Absent rather than empty when none were recorded, so an identity reads back as it was given.
      ...(sealed.previousAddresses && { previousAddresses: JSON.parse(field('previousAddresses', sealed.previousAddresses)) as PreviousAddress[] }),
      ...(sealed.parentsCarers && { parentsCarers: JSON.parse(field('parentsCarers', sealed.parentsCarers)) as ParentCarer[] }),
    };
  }

  /** Opens only the names, date of birth and NHS number (what a search ranks by). */
  openPersonFields(childId: string, keyVersion: number, dataKey: Buffer, sealed: Pick<SealedIdentity, keyof PersonFields>): PersonFields {
    const field = (name: keyof SealedIdentity, value: Buffer) => openField(childId, keyVersion, dataKey, name, value);
    return {
      givenNames: sealed.givenNames === null ? null : field('givenNames', sealed.givenNames),
      familyName: field('familyName', sealed.familyName),
      formerFamilyNames: sealed.formerFamilyNames === null ? [] : (JSON.parse(field('formerFamilyNames', sealed.formerFamilyNames)) as string[]),
      dateOfBirth: field('dateOfBirth', sealed.dateOfBirth),
      nhsNumber: sealed.nhsNumber === null ? null : field('nhsNumber', sealed.nhsNumber),
    };
  }

  /** Seals one extra value (an identifier, a shield reason) under the child's data key. */
  sealValue(childId: string, keyVersion: number, dataKey: Buffer, column: string, value: string): Buffer {
    return seal(dataKey, text(value), `child:${childId}:${column}:v${keyVersion}`);
  }

  openValue(childId: string, keyVersion: number, dataKey: Buffer, column: string, sealed: Buffer): string {
    return open(dataKey, sealed, `child:${childId}:${column}:v${keyVersion}`).toString('utf8');
  }
}

/** Version 1 keeps the additional data used before rotation existed, so existing rows still open. */
function wrapAad(childId: string, keyVersion: number, wrapVersion: number): string {
  return wrapVersion === 1 ? `child:${childId}:v${keyVersion}` : `child:${childId}:v${keyVersion}:w${wrapVersion}`;
}

/** One sealed identity field opened as text; DecryptionError if it was moved from elsewhere. */
function openField(childId: string, keyVersion: number, dataKey: Buffer, name: keyof SealedIdentity, value: Buffer): string {
  return open(dataKey, value, fieldAad(childId, name, keyVersion)).toString('utf8');
}

function fieldAad(childId: string, name: keyof SealedIdentity, keyVersion: number): string {
  return `child:${childId}:${FIELD[name]}:v${keyVersion}`;
}
