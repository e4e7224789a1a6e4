import { hash } from 'node:crypto';
import { doubleMetaphone } from 'double-metaphone';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ChildIdentity } from './child-identity.js';
import { isValidNhsNumber, normaliseNhsNumber } from './nhs-number.js';

export const BLIND_INDEX_KINDS = [
  'family_name',
  'given_name',
  'family_name_metaphone',
  'given_name_metaphone',
  'dob',
  'dob_swapped',
  'dob_year_family_metaphone',
  'nhs_number',
  'postcode',
] as const;
export type BlindIndexKind = (typeof BLIND_INDEX_KINDS)[number];

/** One keyed blind-index value: what a row of child_blind_index holds apart from the child id. */
export interface BlindIndexEntry {
  kind: BlindIndexKind;
  value: Buffer;
}

const RECENT_VALUES = 50_000;

/** 128 bits: collisions stay negligible at national scale, and rows stay small. */
export const BLIND_INDEX_BYTES = 16;

// Letters that NFKD does not decompose into a base letter plus accents.
const SPECIAL_LETTERS: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

// Particles in surnames ("van der Berg", "De Souza", "bin Laden") are not names on their own.
const PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'dos', 'das', 'du', 'le', 'la', 'bin', 'binti', 'ibn', 'al', 'el', 'st', 'mc', 'mac']);

/** Lower case ASCII letters only: "O'Brien" → "obrien", "Zoë" → "zoe", "Smith-Jones" → "smithjones". */
export function normaliseName(text: string): string {
  return foldLetters(text).replace(/[^a-z]/g, '');
}

function foldLetters(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => SPECIAL_LETTERS[c] ?? c);
}

/**
 * The forms under which one name is indexed: the whole name collapsed, and, for a hyphenated or
 * double-barrelled name, each meaningful part, so "Smith-Jones", "Smith Jones", "SMITHJONES",
 * "Jones" and "Smith" all find the child. Apostrophes and full stops join rather than split
 * ("O'Brien" is one part, "obrien"); particles such as "van", "de" or "St" are never a form alone.
 */
export function nameForms(name: string): string[] {
  const parts = foldLetters(name)
    .replace(/['’`.]/g, '')
    .split(/[^a-z]+/)
    .filter((p) => p !== '');
  const forms = new Set<string>();
  const whole = parts.join('');
  if (whole !== '') forms.add(whole);
  if (parts.length > 1) {
    for (const part of parts) if (part.length >= 2 && !PARTICLES.has(part)) forms.add(part);
  }
  return [...forms];
}

/** Forms of every given name: "Mary-Jane Louise" → maryjane, mary, jane, louise. */
export function givenNameForms(givenNames: string): string[] {
  return [...new Set(givenNames.split(/\s+/).flatMap((name) => nameForms(name)))];
}

/** Primary and alternative Double Metaphone codes, so Smith, Smyth and Schmidt meet. */
export function metaphoneCodes(form: string): readonly string[] {
  if (form === '') return [];
  const known = recentCodes.get(form);
  if (known) return known;
  const [primary, alternative] = doubleMetaphone(form);
  const codes = [...new Set([primary, alternative].filter((c) => c !== ''))];
  if (recentCodes.size >= RECENT_VALUES) recentCodes.clear();
  recentCodes.set(form, codes);
  return codes;
}
// Common names come round again and again in a bulk load; their codes need working out once.
const recentCodes = new Map<string, readonly string[]>();

/** 2014-03-07 → 2014-07-03: the day and month swapped, or null when the swap is not a different real date. */
export function swapDayAndMonth(date: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [, year, month, day] = m as unknown as [string, string, string, string];
  if (day === month || Number(day) > 12) return null;
  return `${year}-${day}-${month}`;
}

/** "ls6 2ab" and "LS62AB" agree: upper case, no spaces; null for blanks. */
export function normalisePostcode(text: string): string | null {
  const p = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return p === '' ? null : p;
}

/** What a search or an incoming record from another agency may know about a child. */
export interface IdentityProbe {
  givenNames?: string | null;
  familyName?: string | null;
  dateOfBirth?: string | null;
  postcode?: string | null;
  nhsNumber?: string | null;
}

/**
 * Keyed blind indexes (SECURITY §3): HMAC-SHA256 of normalised values under a key derived from
 * the key-encryption key, truncated to 16 bytes. Equal inputs give equal values, so the database
 * can find candidate children by equality, but without the key a value cannot be tested against
 * a guessed name. The kind is part of the HMAC input, so the same text under two kinds (a given
 * name that is also a family name) gives unrelated values.
 */
export class BlindIndexer {
  // HMAC-SHA256 (RFC 2104) with the padded keys computed once: two one-shot hashes per value
  // cost half of a fresh createHmac, which matters at ten values per child and a million children.
  readonly #innerPad: Buffer;
  readonly #outerPad: Buffer;

  constructor(keys: Keyring) {
    const key = keys.derive('blind-index');
    this.#innerPad = Buffer.alloc(64, 0x36);
    this.#outerPad = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < key.length; i++) {
      this.#innerPad[i]! ^= key[i]!;
      this.#outerPad[i]! ^= key[i]!;
    }
  }

  // Names and dates repeat (thousands of Smiths, one value per day of birth), so recent values
  // are remembered; NHS numbers and postcodes are nearly unique and are not. Bounded so a bulk
  // load of a million children keeps flat memory. Nothing here is more secret than the key itself.
  readonly #recent = new Map<string, Buffer>();

  /** The blind-index value of an already normalised input. */
  value(kind: BlindIndexKind, normalised: string): Buffer {
    const input = `${kind}\u001f${normalised}`;
    const cacheable = kind !== 'nhs_number' && kind !== 'postcode';
    const known = cacheable ? this.#recent.get(input) : undefined;
    if (known) return known;
    const inner = hash('sha256', Buffer.concat([this.#innerPad, Buffer.from(input, 'utf8')]), 'buffer');
    const value = hash('sha256', Buffer.concat([this.#outerPad, inner]), 'buffer').subarray(0, BLIND_INDEX_BYTES);
    if (cacheable) {
      if (this.#recent.size >= RECENT_VALUES) this.#recent.clear();
      this.#recent.set(input, value);
    }
    return value;
  }

  /**
   * The keyed hash a linked identifier (UPN, source-system id…) is found by. Its own prefix keeps
   * it apart from every name and date value; the issuer is part of it because two systems may
   * use the same local id for different children.
   */
  identifierLookup(kind: string, issuer: string, normalisedValue: string): Buffer {
    const input = `identifier\u001f${kind}\u001f${issuer}\u001f${normalisedValue}`;
    const inner = hash('sha256', Buffer.concat([this.#innerPad, Buffer.from(input, 'utf8')]), 'buffer');
    return hash('sha256', Buffer.concat([this.#outerPad, inner]), 'buffer').subarray(0, BLIND_INDEX_BYTES);
  }

  /** Everything stored for one child; each (kind, value) appears once. */
  entriesFor(identity: ChildIdentity): BlindIndexEntry[] {
    const terms = new Terms();
    const familyNames = [identity.familyName, ...identity.formerFamilyNames];
    const familyCodes = new Set<string>();
    for (const name of familyNames) {
      for (const form of nameForms(name)) {
        terms.add('family_name', form);
        for (const code of metaphoneCodes(form)) familyCodes.add(code);
      }
    }
    for (const code of familyCodes) terms.add('family_name_metaphone', code);
    if (identity.givenNames !== null) addGivenNames(terms, identity.givenNames);
    terms.add('dob', identity.dateOfBirth);
    const swapped = swapDayAndMonth(identity.dateOfBirth);
    if (swapped !== null) terms.add('dob_swapped', swapped);
    const year = identity.dateOfBirth.slice(0, 4);
    for (const code of familyCodes) terms.add('dob_year_family_metaphone', `${year}|${code}`);
    if (identity.nhsNumber !== null) terms.add('nhs_number', normaliseNhsNumber(identity.nhsNumber));
    if (identity.address.kind === 'known') {
      const postcode = normalisePostcode(identity.address.postcode);
      if (postcode !== null) terms.add('postcode', postcode);
    }
    return terms.toEntries(this);
  }

  /**
   * The values to look up for a search or an incoming record. A stored child carries its date
   * of birth with day and month swapped under `dob_swapped`, so a probe looks its own date up
   * there as well as under `dob`.
   */
  probeFor(probe: IdentityProbe): BlindIndexEntry[] {
    const terms = new Terms();
    if (probe.familyName) {
      for (const form of nameForms(probe.familyName)) {
        terms.add('family_name', form);
        for (const code of metaphoneCodes(form)) {
          terms.add('family_name_metaphone', code);
          if (probe.dateOfBirth) terms.add('dob_year_family_metaphone', `${probe.dateOfBirth.slice(0, 4)}|${code}`);
        }
      }
    }
    if (probe.givenNames) addGivenNames(terms, probe.givenNames);
    if (probe.dateOfBirth) {
      terms.add('dob', probe.dateOfBirth);
      terms.add('dob_swapped', probe.dateOfBirth);
    }
    if (probe.nhsNumber && isValidNhsNumber(probe.nhsNumber)) terms.add('nhs_number', normaliseNhsNumber(probe.nhsNumber));
    const postcode = probe.postcode ? normalisePostcode(probe.postcode) : null;
    if (postcode !== null) terms.add('postcode', postcode);
    return terms.toEntries(this);
  }
}

function addGivenNames(terms: Terms, givenNames: string): void {
  for (const form of givenNameForms(givenNames)) {
    terms.add('given_name', form);
    for (const code of metaphoneCodes(form)) terms.add('given_name_metaphone', code);
  }
}

/** Collects distinct (kind, normalised value) pairs before hashing, so no row repeats. */
class Terms {
  readonly #seen = new Set<string>();
  readonly #pairs: [BlindIndexKind, string][] = [];

  add(kind: BlindIndexKind, normalised: string): void {
    if (normalised === '') return;
    const key = `${kind}\u001f${normalised}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#pairs.push([kind, normalised]);
  }

  toEntries(indexer: BlindIndexer): BlindIndexEntry[] {
    return this.#pairs.map(([kind, normalised]) => ({ kind, value: indexer.value(kind, normalised) }));
  }
}
