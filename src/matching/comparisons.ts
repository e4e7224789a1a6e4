import type { MatchRecord } from './match-record.js';
import { jaroWinkler } from './jaro-winkler.js';
import { areGivenNameVariants } from './name-variants.js';
import { compareDob, DOB_LEVELS } from './dob.compare.js';
import { postcodeParts } from './postcode.js';
import { adjacentTransposition, oneSubstitution } from './edit-distance.js';
import { addressSimilarity } from './address.similarity.js';

/** Level index meaning "one side is missing": no evidence either way. */
export const MISSING = -1;

/**
 * One Fellegi–Sunter comparison: a field (or pair of fields) compared into ordered levels, the
 * strongest agreement first and outright disagreement last.
 */
export interface Comparison {
  name: string;
  levels: readonly string[];
  compare(a: MatchRecord, b: MatchRecord): number;
  /** Term-frequency adjustment: on this level, how rare the shared value is matters. */
  termFrequency?: { level: number; value(r: MatchRecord): string | null };
}

const sharesCode = (a: readonly string[], b: readonly string[]): boolean => a.some((c) => b.includes(c));

const GIVEN_LEVELS = ['exact', 'swapped_with_family', 'known_variant', 'jw_0.92', 'metaphone', 'jw_0.88', 'matches_middle_name', 'jw_0.7', 'different'] as const;

/** Level name → index, built once (the comparisons run millions of times in a whole-index scan). */
function levelIndexes<const L extends readonly string[]>(levels: L): Record<L[number], number> {
  return Object.fromEntries(levels.map((l, i) => [l, i])) as Record<L[number], number>;
}
const GIVEN = levelIndexes(GIVEN_LEVELS);

// The last pair isSwapped answered: the given- and family-name comparisons both ask about one
// pair, and a whole-index scan asks hundreds of millions of times (kept in plain variables, so
// remembering allocates nothing).
let swapA: MatchRecord | null = null;
let swapB: MatchRecord | null = null;
let swapAnswer = false;

function isSwapped(a: MatchRecord, b: MatchRecord): boolean {
  if (!a.given || !b.given || !a.family || !b.family) return false;
  if (swapA === a && swapB === b) return swapAnswer;
  swapAnswer = jaroWinkler(a.given, b.family) >= 0.92 && jaroWinkler(a.family, b.given) >= 0.92;
  swapA = a;
  swapB = b;
  return swapAnswer;
}

function compareGiven(a: MatchRecord, b: MatchRecord): number {
  if (!a.given || !b.given) {
    // A given name entered in the family-name box alone still tells us something.
    return MISSING;
  }
  const level = GIVEN;
  if (a.given === b.given) return level['exact'];
  if (isSwapped(a, b)) return level['swapped_with_family'];
  if (areGivenNameVariants(a.given, b.given)) return level['known_variant'];
  const jw = jaroWinkler(a.given, b.given);
  if (jw >= 0.92) return level['jw_0.92'];
  if (sharesCode(a.givenCodes, b.givenCodes)) return level['metaphone'];
  if (jw >= 0.88) return level['jw_0.88'];
  if (a.middle.includes(b.given) || b.middle.includes(a.given)) return level['matches_middle_name'];
  if (jw >= 0.7) return level['jw_0.7'];
  return level['different'];
}

const FAMILY_LEVELS = ['exact', 'former_surname', 'swapped_with_given', 'shares_a_surname', 'jw_0.92', 'metaphone', 'jw_0.88', 'jw_0.7', 'different'] as const;
const FAMILY = levelIndexes(FAMILY_LEVELS);

function compareFamily(a: MatchRecord, b: MatchRecord): number {
  if (!a.family || !b.family) return MISSING;
  const level = FAMILY;
  if (a.family === b.family) return level['exact'];
  // A child's surname changes on adoption, a parent's marriage or at the child's own choice.
  if (a.formerFamily.includes(b.family) || b.formerFamily.includes(a.family) || a.formerFamily.some((f) => b.formerFamily.includes(f))) {
    return level['former_surname'];
  }
  if (isSwapped(a, b)) return level['swapped_with_given'];
  // Double-barrelled names are often recorded by one part only (Smith-Jones / Smith).
  if (a.familyTokens.length + b.familyTokens.length > 2 && a.familyTokens.some((t) => t.length > 1 && b.familyTokens.includes(t))) {
    return level['shares_a_surname'];
  }
  const jw = jaroWinkler(a.family, b.family);
  if (jw >= 0.92) return level['jw_0.92'];
  if (sharesCode(a.familyCodes, b.familyCodes)) return level['metaphone'];
  if (jw >= 0.88) return level['jw_0.88'];
  if (jw >= 0.7) return level['jw_0.7'];
  return level['different'];
}

function compareDobLevel(a: MatchRecord, b: MatchRecord): number {
  if (!a.dob || !b.dob) return MISSING;
  return DOB_LEVELS.indexOf(compareDob(a.dob, b.dob));
}

function comparePostcode(a: MatchRecord, b: MatchRecord): number {
  if (!a.postcode || !b.postcode) return MISSING;
  if (a.postcode === b.postcode) return 0;
  const pa = postcodeParts(a.postcode);
  const pb = postcodeParts(b.postcode);
  if (pa.sector === pb.sector) return 1;
  if (pa.district === pb.district) return 2;
  if (pa.area === pb.area) return 3;
  return 4;
}

function compareAddress(a: MatchRecord, b: MatchRecord): number {
  if (!a.address || !b.address) return MISSING;
  if (a.address === b.address) return 0;
  const s = addressSimilarity(a.addressTokens, b.addressTokens);
  if (s >= 0.8) return 1;
  if (s >= 0.5) return 2;
  if (s >= 0.25) return 3;
  return 4;
}

function compareTown(a: MatchRecord, b: MatchRecord): number {
  if (!a.town || !b.town) return MISSING;
  if (a.town === b.town) return 0;
  return jaroWinkler(a.town, b.town) >= 0.88 ? 1 : 2;
}

function compareEmail(a: MatchRecord, b: MatchRecord): number {
  if (!a.email || !b.email) return MISSING;
  if (a.email === b.email) return 0;
  const localA = a.email.split('@')[0] ?? '';
  const localB = b.email.split('@')[0] ?? '';
  if (localA === localB || jaroWinkler(a.email, b.email) >= 0.88) return 1;
  return 2;
}

function compareTypedCode(a: string | null, b: string | null): number {
  if (!a || !b) return MISSING;
  if (a === b) return 0;
  if (oneSubstitution(a, b) || adjacentTransposition(a, b)) return 1;
  return 2;
}

/** True when two records carry strong identifiers that cannot belong to one person. */
export function identifiersConflict(a: MatchRecord, b: MatchRecord): boolean {
  return compareTypedCode(a.identifier, b.identifier) === 2;
}

/** The comparisons the model scores, in the order explanations list them. */
export const COMPARISONS: readonly Comparison[] = [
  { name: 'given_name', levels: GIVEN_LEVELS, compare: compareGiven, termFrequency: { level: 0, value: (r) => r.given } },
  { name: 'family_name', levels: FAMILY_LEVELS, compare: compareFamily, termFrequency: { level: 0, value: (r) => r.family } },
  { name: 'dob', levels: DOB_LEVELS, compare: compareDobLevel },
  { name: 'sex', levels: ['same', 'different'], compare: (a, b) => (!a.sex || !b.sex ? MISSING : a.sex === b.sex ? 0 : 1) },
  { name: 'postcode', levels: ['exact', 'sector', 'district', 'area', 'different'], compare: comparePostcode, termFrequency: { level: 0, value: (r) => r.postcode } },
  { name: 'address', levels: ['exact', 'similar_0.8', 'similar_0.5', 'similar_0.25', 'different'], compare: compareAddress },
  { name: 'town', levels: ['exact', 'jw_0.88', 'different'], compare: compareTown, termFrequency: { level: 0, value: (r) => r.town } },
  { name: 'email', levels: ['exact', 'similar', 'different'], compare: compareEmail },
  { name: 'phone', levels: ['exact', 'one_digit', 'different'], compare: (a, b) => compareTypedCode(a.phone, b.phone) },
  { name: 'identifier', levels: ['exact', 'one_digit', 'different'], compare: (a, b) => compareTypedCode(a.identifier, b.identifier) },
];

/** Level index of a named level in a named comparison (for rules and tests). */
export function levelIndex(comparison: string, level: string): number {
  const c = COMPARISONS.find((x) => x.name === comparison);
  return c ? c.levels.indexOf(level) : -1;
}

/**
 * Twins (and other same-birth siblings): same family name and date of birth, clearly different
 * given names. Everything else about them agrees (address, postcode, family name), so the
 * independence assumption of Fellegi–Sunter would add that up into a confident match. This rule
 * vetoes such pairs; a nickname, a typo or a swapped name does not count as "clearly different".
 */
export function looksLikeTwins(a: MatchRecord, b: MatchRecord): boolean {
  if (!a.given || !b.given || !a.dob || !b.dob || a.dob.text !== b.dob.text) return false;
  // Twins never share a strong identifier (NHS number): an exact one overrides the rule.
  if (a.identifier && a.identifier === b.identifier) return false;
  const family = compareFamily(a, b);
  if (family !== FAMILY['exact'] && family !== FAMILY['former_surname'] && family !== FAMILY['shares_a_surname']) return false;
  const given = compareGiven(a, b);
  return given === GIVEN['different'] || given === GIVEN['jw_0.7'];
}

/**
 * Namesakes in one household: a parent and child, or siblings, given the same name (junior /
 * senior). Same name and same address, but dates of birth that differ by more than a year and by
 * more than a keying slip. Independence would again add name and address into a confident match.
 */
export function looksLikeHouseholdNamesakes(a: MatchRecord, b: MatchRecord): boolean {
  if (!a.dob || !b.dob || !a.given || !b.given || !a.family || a.family !== b.family) return false;
  if (a.given !== b.given && !areGivenNameVariants(a.given, b.given)) return false;
  if (compareDob(a.dob, b.dob) !== 'different') return false;
  if (a.identifier && a.identifier === b.identifier) return false;
  const sameAddress = compareAddress(a, b);
  return sameAddress === 0 || sameAddress === 1 || (a.postcode !== null && a.postcode === b.postcode);
}

/** The name of the rule that forbids joining two records automatically, if any. */
export function vetoRule(a: MatchRecord, b: MatchRecord): 'twins' | 'household_namesakes' | null {
  if (looksLikeTwins(a, b)) return 'twins';
  if (looksLikeHouseholdNamesakes(a, b)) return 'household_namesakes';
  return null;
}
