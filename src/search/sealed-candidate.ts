import type { ChildCrypto } from '../children/child-crypto.js';
import type { PersonFields } from '../children/child-identity.js';
import type { SealedCandidateRow } from './child-search.repository.js';

/**
 * A search candidate's person fields, each opened the first time it is read. At national scale
 * most of a search's 30 candidates only share a date of birth and are ruled out on their last
 * name alone, and every field opened is an AES-GCM decipher (the data key's unwrapping one more):
 * opening all five for every candidate was about an eighth of a search's CPU.
 */
export class SealedCandidate implements PersonFields {
  #dataKey: Buffer | undefined;
  #givenNames: string | null | undefined;
  #familyName: string | undefined;
  #formerFamilyNames: string[] | undefined;
  #dateOfBirth: string | undefined;
  #nhsNumber: string | null | undefined;

  constructor(private readonly crypto: ChildCrypto, readonly row: SealedCandidateRow) {}

  get givenNames(): string | null {
    return (this.#givenNames ??= this.#openOrNull('given_names', this.row.given_names));
  }

  get familyName(): string {
    return (this.#familyName ??= this.#open('family_name', this.row.family_name));
  }

  get formerFamilyNames(): string[] {
    const sealed = this.row.former_family_names;
    return (this.#formerFamilyNames ??= sealed === null ? [] : (JSON.parse(this.#open('former_family_names', sealed)) as string[]));
  }

  get dateOfBirth(): string {
    return (this.#dateOfBirth ??= this.#open('date_of_birth', this.row.date_of_birth));
  }

  get nhsNumber(): string | null {
    return (this.#nhsNumber ??= this.#openOrNull('nhs_number', this.row.nhs_number));
  }

  #openOrNull(column: string, sealed: Buffer | null): string | null {
    return sealed === null ? null : this.#open(column, sealed);
  }

  /**
   * An identity field sealed under the child's data key, its additional data naming the child,
   * the column and the key version: `openValue` with the column's name opens exactly what
   * ChildCrypto.openPersonFields opens, one field at a time (the search tests fail otherwise).
   */
  #open(column: string, sealed: Buffer): string {
    const { id, key_version: keyVersion } = this.row;
    this.#dataKey ??= this.crypto.unwrapDataKey(id, keyVersion, this.row.wrap_version, this.row.wrapped_key);
    return this.crypto.openValue(id, keyVersion, this.#dataKey, column, sealed);
  }
}
