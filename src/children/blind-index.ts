import { hash } from 'node:crypto';
import { doubleMetaphone } from 'double-metaphone';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ChildIdentity } from './child-identity.js';
import { isValidNhsNumber, normaliseNhsNumber } from './nhs-number.js';

/**
 * Blocking keys made of two or three of a child's blind-index values, each enough on its own for
 * the online matcher's blocking rule (BLOCKING_WEIGHTS in online-match.ts): a date of birth
 * with a family-name sound, a date of birth with the postcode, a postcode with the family-name
 * sound and birth year, three family-name sounds in one birth year. A single value (a date of
 * birth, a postcode, a sound in a year) is shared by more children the larger the index; a pair is
 * shared by a handful at any scale, so looking them up costs the same at 10k children as at 1M.
 * A composite is a plain SHA-256 of its parts' keyed values ({@link compositeValue}): it reveals
 * nothing the stored values do not, and a migration can derive it from them in SQL.
 */
export const COMPOSITE_KINDS = [
  'dob_family_metaphone',
  'dob_postcode',
  'postcode_year_family_metaphone',
  'year_family_metaphone_triple',
  // A sound in the birth year of the rare child with more sounds than MAX_CODES_FOR_TRIPLES.
  'year_family_metaphone_many',
] as const;

/**
 * A date of birth with a given-name sound: what a search ranks the children sharing the date by
 * (SEARCH_KEYS in src/search/child-search.service.ts). About 330 children share a date of birth
 * (as given or swapped) at 1M, and a given-name sound thousands; which of the 330 have the sound
 * took one index probe a child, most of the candidate query's time (about 1.3 of 1.8 ms at 1M),
 * where one posting-list lookup of the pair answers it. A search looks its date up as it is and
 * with day and month swapped, so a child stores the pair for its own date only.
 */
export const DATE_GIVEN_SOUND_KIND = 'dob_given_metaphone';
export type CompositeKind = (typeof COMPOSITE_KINDS)[number] | typeof DATE_GIVEN_SOUND_KIND;

/**
 * Up to this many family-name sounds (a double-barrelled name with former names), a child stores
 * every three of them as a triple (at most 220 rows); beyond it, each sound in the year again as
 * year_family_metaphone_many instead. In a 200k synthetic sample 9% of children had three or more
 * sounds and none more than twelve; in the 1M benchmark world, 4.
 */
export const MAX_CODES_FOR_TRIPLES = 12;

/**
 * A family-name sound with the birth year and month, and with the birth year and day: what a
 * search blocks on to find a child whose day (or month) of birth was mistyped. The sound in the
 * whole birth year did that before, but at national scale a common name's sound is shared by
 * about 5,000 children a year, whose posting list a search read whole and then cut to its first
 * 400 by id; a month or a day holds a twelfth or a thirtieth of them.
 */
export const DATE_PART_SOUND_KINDS = ['dob_month_family_metaphone', 'dob_day_family_metaphone'] as const;

/**
 * Every kind stored. No exact given name: nothing looked one up (a search ranks by the given
 * name's sound, and the matcher compares the names it opens), so it only told a stolen dump which
 * children share a first name, and cost every new child one or two more index rows.
 */
export const BLIND_INDEX_KINDS = [
  'family_name',
  'family_name_metaphone',
  'given_name_metaphone',
  'dob',
  'dob_swapped',
  'dob_year_family_metaphone',
  ...DATE_PART_SOUND_KINDS,
  'nhs_number',
  'postcode',
  ...COMPOSITE_KINDS,
  DATE_GIVEN_SOUND_KIND,
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

// Plain ASCII needs only lower case: NFKD, the mark removal and the letter table leave it as it is.
const ASCII = /^[\x00-\x7f]*$/;

function foldLetters(text: string): string {
  // Most names are plain ASCII; the full fold costs about three times as much (0.36 against 0.1
  // µs a name), and a search folds every name of its 30 candidates several times.
  if (ASCII.test(text)) return text.toLowerCase();
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

/** An incoming record's blocking: the keys that find its candidates, and the values that rank them. */
export interface BlockingProbe {
  /** Looked up: any child holding one of these is a candidate, to be ranked. */
  keys: readonly BlindIndexEntry[];
  /** Checked for each candidate found, weighted: the candidate's rank, and whether it qualifies. */
  ranking: readonly BlindIndexEntry[];
}

/** The online blocking rule's weights: what sharing each single value adds to a candidate's score. */
export interface BlockingRule {
  /** A date of birth, exact or with day and month swapped (never both). */
  dob: number;
  postcode: number;
  nhsNumber: number;
  /** Each family-name sound shared in the birth year. */
  sound: number;
  minScore: number;
}

/** The rule's weight for each kind of single value, as a candidate sharing it scores. */
export function blockingWeights(rule: BlockingRule): Partial<Record<BlindIndexKind, number>> {
  return { dob: rule.dob, dob_swapped: rule.dob, dob_year_family_metaphone: rule.sound, nhs_number: rule.nhsNumber, postcode: rule.postcode };
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

  /**
   * The keyed digest of a record as a source sent it (its canonical text), kept on the source's
   * identifier: the same record sent again has the same digest. Keyed, so a dump cannot confirm a
   * guessed record against it; its own prefix keeps it apart from every other value.
   */
  sourceRecordDigest(canonicalRecord: string): Buffer {
    const inner = hash('sha256', Buffer.concat([this.#innerPad, Buffer.from(`source-record\u001f${canonicalRecord}`, 'utf8')]), 'buffer');
    return hash('sha256', Buffer.concat([this.#outerPad, inner]), 'buffer').subarray(0, BLIND_INDEX_BYTES);
  }

  /** Everything stored for one child; each (kind, value) appears once. */
  entriesFor(identity: ChildIdentity): BlindIndexEntry[] {
    const terms = new Terms();
    const familyForms = [identity.familyName, ...identity.formerFamilyNames].flatMap(nameForms);
    for (const form of familyForms) terms.add('family_name', form);
    const familyCodes = soundsOf(familyForms);
    for (const code of familyCodes) terms.add('family_name_metaphone', code);
    if (identity.givenNames !== null) addGivenNames(terms, identity.givenNames);
    terms.add('dob', identity.dateOfBirth);
    const swapped = swapDayAndMonth(identity.dateOfBirth);
    if (swapped !== null) terms.add('dob_swapped', swapped);
    const year = identity.dateOfBirth.slice(0, 4);
    for (const code of familyCodes) terms.add('dob_year_family_metaphone', `${year}|${code}`);
    addDatePartSounds(terms, familyCodes, identity.dateOfBirth);
    if (identity.nhsNumber !== null) terms.add('nhs_number', normaliseNhsNumber(identity.nhsNumber));
    if (identity.address.kind === 'known') {
      const postcode = normalisePostcode(identity.address.postcode);
      if (postcode !== null) terms.add('postcode', postcode);
    }
    const entries = terms.toEntries(this);
    const valuesOf = (kind: BlindIndexKind) => entries.flatMap((e) => (e.kind === kind ? [e.value] : []));
    const yearCodes = valuesOf('dob_year_family_metaphone');
    return [
      ...entries,
      ...compositeEntries({ dobs: valuesOf('dob'), codes: valuesOf('family_name_metaphone'), yearCodes, postcodes: valuesOf('postcode') }),
      ...dateGivenSoundEntries(valuesOf('dob'), valuesOf('given_name_metaphone')),
      ...(yearCodes.length > MAX_CODES_FOR_TRIPLES ? manySoundsEntries(yearCodes) : tripleEntries(yearCodes)),
    ];
  }

  /**
   * A child's {@link DATE_PART_SOUND_KINDS} values, as entriesFor stores them: for giving children
   * stored before those kinds existed their values (search-key-backfill.ts).
   */
  datePartSoundEntries(person: Pick<ChildIdentity, 'familyName' | 'formerFamilyNames' | 'dateOfBirth'>): BlindIndexEntry[] {
    const terms = new Terms();
    addDatePartSounds(terms, soundsOf([person.familyName, ...person.formerFamilyNames].flatMap(nameForms)), person.dateOfBirth);
    return terms.toEntries(this);
  }

  /**
   * The composite blocking keys ({@link COMPOSITE_KINDS}) to look up for an incoming record, and
   * its NHS number: a stored child holding any of them shares with the record what one of them
   * stands for. Its date of birth is looked up as it is and with day and month swapped (a child
   * whose swapped date is the record's date is the child whose date is the record's swapped one),
   * so the stored side keeps one date per child.
   */
  blockingKeysFor(probe: Pick<IdentityProbe, 'familyName' | 'dateOfBirth' | 'postcode' | 'nhsNumber'>): BlindIndexEntry[] {
    const codes = new Set<string>();
    for (const form of probe.familyName ? nameForms(probe.familyName) : []) for (const code of metaphoneCodes(form)) codes.add(code);
    const date = probe.dateOfBirth ?? null;
    const swapped = date === null ? null : swapDayAndMonth(date);
    const dobs = [date, swapped].flatMap((d) => (d === null ? [] : [this.value('dob', d)]));
    const yearCodes = date === null ? [] : [...codes].map((code) => this.value('dob_year_family_metaphone', `${date.slice(0, 4)}|${code}`));
    const postcode = probe.postcode ? normalisePostcode(probe.postcode) : null;
    const keys = compositeEntries({ dobs, codes: [...codes].map((code) => this.value('family_name_metaphone', code)), yearCodes, postcodes: postcode === null ? [] : [this.value('postcode', postcode)] });
    if (probe.nhsNumber && isValidNhsNumber(probe.nhsNumber)) keys.push({ kind: 'nhs_number', value: this.value('nhs_number', normaliseNhsNumber(probe.nhsNumber)) });
    if (yearCodes.length >= 3) {
      keys.push(...manySoundsEntries(yearCodes));
      // So many sounds that their triples would be a long list: the sounds' own posting lists
      // instead (a rare, unusual name), which find every child sharing three of them.
      if (yearCodes.length > MAX_CODES_FOR_TRIPLES) keys.push(...yearCodes.map((value) => ({ kind: 'dob_year_family_metaphone' as const, value })));
      else keys.push(...tripleEntries(yearCodes));
    }
    return keys;
  }

  /**
   * The values to look up for a search or an incoming record. A stored child carries its date
   * of birth with day and month swapped under `dob_swapped`, so a probe looks its own date up
   * there as well as under `dob`.
   */
  probeFor(probe: IdentityProbe): BlindIndexEntry[] {
    const terms = new Terms();
    if (probe.familyName) {
      const forms = nameForms(probe.familyName);
      for (const form of forms) terms.add('family_name', form);
      const codes = soundsOf(forms);
      for (const code of codes) {
        terms.add('family_name_metaphone', code);
        if (probe.dateOfBirth) terms.add('dob_year_family_metaphone', `${probe.dateOfBirth.slice(0, 4)}|${code}`);
      }
      if (probe.dateOfBirth) {
        // With the swapped date too: a search with day and month swapped still meets the child's
        // own sound-and-date values, so it ranks with the children whose name sounds alike.
        addDatePartSounds(terms, codes, probe.dateOfBirth);
        const swapped = swapDayAndMonth(probe.dateOfBirth);
        if (swapped !== null) addDatePartSounds(terms, codes, swapped);
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
    const entries = terms.toEntries(this);
    const dob = entries.find((e) => e.kind === 'dob');
    if (!dob || !probe.dateOfBirth) return entries;
    // Its date as it is and swapped, as stored children hold their own (DATE_GIVEN_SOUND_KIND).
    const swapped = swapDayAndMonth(probe.dateOfBirth);
    const dobs = [dob.value, ...(swapped === null ? [] : [this.value('dob', swapped)])];
    return [...entries, ...dateGivenSoundEntries(dobs, entries.flatMap((e) => (e.kind === 'given_name_metaphone' ? [e.value] : [])))];
  }
}

function dateGivenSoundEntries(dobs: readonly Buffer[], givenSounds: readonly Buffer[]): BlindIndexEntry[] {
  return dobs.flatMap((dob) => givenSounds.map((sound) => ({ kind: DATE_GIVEN_SOUND_KIND, value: compositeValue(DATE_GIVEN_SOUND_KIND, [dob, sound]) })));
}

/** A composite blocking value: SHA-256 of the kind and its parts' keyed values (each BLIND_INDEX_BYTES long), truncated. */
export function compositeValue(kind: CompositeKind, parts: readonly Buffer[]): Buffer {
  return hash('sha256', Buffer.concat([Buffer.from(`${kind}\u001f`, 'utf8'), ...parts]), 'buffer').subarray(0, BLIND_INDEX_BYTES);
}

/** A child with too many sounds for triples, found by any one of its sounds in its birth year (a superset, scored exactly later). */
function manySoundsEntries(yearCodes: readonly Buffer[]): BlindIndexEntry[] {
  return yearCodes.map((yearCode) => ({ kind: 'year_family_metaphone_many', value: compositeValue('year_family_metaphone_many', [yearCode]) }));
}

/** The pairs, the same for a stored child (its one date of birth) and a probe (its date and the swapped one). */
function compositeEntries(parts: { dobs: readonly Buffer[]; codes: readonly Buffer[]; yearCodes: readonly Buffer[]; postcodes: readonly Buffer[] }): BlindIndexEntry[] {
  const out: BlindIndexEntry[] = [];
  for (const dob of parts.dobs) {
    for (const code of parts.codes) out.push({ kind: 'dob_family_metaphone', value: compositeValue('dob_family_metaphone', [dob, code]) });
    for (const postcode of parts.postcodes) out.push({ kind: 'dob_postcode', value: compositeValue('dob_postcode', [dob, postcode]) });
  }
  for (const postcode of parts.postcodes) {
    for (const yearCode of parts.yearCodes) out.push({ kind: 'postcode_year_family_metaphone', value: compositeValue('postcode_year_family_metaphone', [postcode, yearCode]) });
  }
  return out;
}

/** Every three of the sound-and-year values, each in byte order (as PostgreSQL orders bytea), so both sides list a triple alike. */
function tripleEntries(yearCodes: readonly Buffer[]): BlindIndexEntry[] {
  const sorted = [...yearCodes].sort((a, b) => Buffer.compare(a, b));
  const out: BlindIndexEntry[] = [];
  for (let a = 0; a < sorted.length; a++) {
    for (let b = a + 1; b < sorted.length; b++) {
      for (let c = b + 1; c < sorted.length; c++) out.push({ kind: 'year_family_metaphone_triple', value: compositeValue('year_family_metaphone_triple', [sorted[a]!, sorted[b]!, sorted[c]!]) });
    }
  }
  return out;
}

/** The sounds of these name forms (nameForms): Smith, Smyth and Schmidt share one. */
function soundsOf(forms: readonly string[]): Set<string> {
  const codes = new Set<string>();
  for (const form of forms) for (const code of metaphoneCodes(form)) codes.add(code);
  return codes;
}

/** Each sound with the year and month of birth ("2014-03|SM0"), and with the year and day ("2014|07|SM0"). */
function addDatePartSounds(terms: Terms, codes: Iterable<string>, dateOfBirth: string): void {
  const yearMonth = dateOfBirth.slice(0, 7);
  const yearDay = `${dateOfBirth.slice(0, 4)}|${dateOfBirth.slice(8, 10)}`;
  for (const code of codes) {
    terms.add('dob_month_family_metaphone', `${yearMonth}|${code}`);
    terms.add('dob_day_family_metaphone', `${yearDay}|${code}`);
  }
}

function addGivenNames(terms: Terms, givenNames: string): void {
  for (const form of givenNameForms(givenNames)) {
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
