import { doubleMetaphone } from 'double-metaphone';
import type { MatchRecord, RawPerson } from './match-record.js';
import { parseDob, type DobFormat } from './dob.parse.js';

/** Lower case, accents removed, only letters kept; apostrophes vanish (O'Neill = ONeill). */
export function normaliseName(text: string | undefined): string {
  if (!text) return '';
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

const nonEmpty = (s: string): string | null => (s === '' ? null : s);

function phoneticCodes(name: string | null): string[] {
  if (!name) return [];
  const [primary, secondary] = doubleMetaphone(name.replaceAll(' ', ''));
  return [...new Set([primary, secondary].filter((c) => c !== ''))];
}

function normaliseSex(text: string | undefined): 'm' | 'f' | null {
  const s = (text ?? '').trim().toLowerCase();
  if (s === 'm' || s === 'male' || s === '1' || s === 'boy') return 'm';
  if (s === 'f' || s === 'female' || s === '2' || s === 'girl') return 'f';
  return null;
}

/** Upper case without spaces, so "sw1a 1aa" and "SW1A1AA" agree. */
export function normalisePostcode(text: string | undefined): string | null {
  const p = (text ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');
  return p === '' || /^0+$/.test(p) ? null : p;
}

/** Address tokens in lower case; common street-type words are shortened so Road and Rd agree. */
const STREET_WORDS: Readonly<Record<string, string>> = {
  road: 'rd', street: 'st', avenue: 'ave', av: 'ave', drive: 'dr', lane: 'ln', close: 'cl', crescent: 'cres', court: 'ct',
  place: 'pl', square: 'sq', terrace: 'ter', gardens: 'gdns', grove: 'gr', highway: 'hwy', circuit: 'cct', north: 'n',
  south: 's', east: 'e', west: 'w', flat: 'flat', apartment: 'flat', apt: 'flat',
};

export function addressTokens(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '')
    .map((t) => STREET_WORDS[t] ?? t);
}

/** Splits "Mary Ann Smith" when only a full name is supplied: first word, middle words, last word. */
function splitFullName(full: string): { given: string; middle: string[]; family: string } {
  const words = normaliseName(full).split(' ').filter((w) => w !== '');
  if (words.length === 0) return { given: '', middle: [], family: '' };
  if (words.length === 1) return { given: '', middle: [], family: words[0] ?? '' };
  return { given: words[0] ?? '', middle: words.slice(1, -1), family: words[words.length - 1] ?? '' };
}

/** Turns one raw record into the matcher's normalised form. */
export function normaliseRecord(raw: RawPerson, index: number, source: 0 | 1, dobFormat: DobFormat): MatchRecord {
  let givenWords = normaliseName(raw.given_name).split(' ').filter((w) => w !== '');
  let middle = normaliseName(raw.middle_names).split(' ').filter((w) => w !== '');
  let family = normaliseName(raw.family_name);
  if (raw.full_name && givenWords.length === 0 && family === '') {
    const split = splitFullName(raw.full_name);
    givenWords = split.given === '' ? [] : [split.given];
    middle = [...split.middle, ...middle];
    family = split.family;
  }
  // A second given-name word ("Mary Ann") is treated as a middle name; agencies differ on this.
  const given = givenWords[0] ?? null;
  middle = [...givenWords.slice(1), ...middle];
  const former = (raw.former_family_names ?? '')
    .split(/[;|]/)
    .map((n) => normaliseName(n))
    .filter((n) => n !== '');
  const addressText = raw.address ?? '';
  const tokens = addressTokens(addressText);
  const email = (raw.email ?? '').trim().toLowerCase();
  const phone = (raw.phone ?? '').replace(/\D/g, '');
  const identifier = (raw.identifier ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');
  const familyOrNull = nonEmpty(family);
  return {
    index,
    source,
    given,
    middle,
    family: familyOrNull,
    familyTokens: family.split(' ').filter((t) => t !== ''),
    formerFamily: former,
    givenCodes: phoneticCodes(given),
    familyCodes: phoneticCodes(familyOrNull),
    dob: raw.dob ? parseDob(raw.dob.trim(), dobFormat) : null,
    sex: normaliseSex(raw.sex),
    postcode: normalisePostcode(raw.postcode),
    address: tokens.length > 0 ? tokens.join(' ') : null,
    addressTokens: tokens,
    town: nonEmpty(normaliseName(raw.town)),
    email: email.includes('@') ? email : null,
    phone: phone.length >= 6 ? phone.slice(-10) : null,
    identifier: nonEmpty(identifier),
  };
}
