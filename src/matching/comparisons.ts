import type { MatchRecord } from './match-record.js';
import { jaroWinkler } from './jaro-winkler.js';
import { areGivenNameVariants } from './name-variants.js';
import { compareDob, DOB_LEVELS } from './dob.compare.js';
import { postcodeParts } from './postcode.js';
import { adjacentTransposition, levenshtein, oneSubstitution } from './edit-distance.js';
import { addressSimilarity } from './address.similarity.js';

/** Level index meaning "one side is missing": no evidence either way. */
export const MISSING = -1;

/**
 * Level index meaning "agrees, but a finer comparison has already counted it": the postcode and
 * town of two records giving one address. Fellegi–Sunter adds each comparison's evidence as if
 * independent, and u comes from random pairs, who almost never share a home; but the children a
 * candidate list holds beside each other at one address are mostly brothers and sisters, for whom
 * house, postcode and town agree together. Counted three times, one home was worth about 35 bits:
 * a sister born twelve years apart with another first name scored 0.96, and of the pairs the
 * product model put at 0.99–0.999 on children it had not seen, half were two children.
 */
export const IMPLIED = -2;

/** Whether a level is evidence of its own (neither missing nor implied by a finer comparison). */
export const isEvidence = (level: number): boolean => level >= 0;

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
  /** The finer comparison whose agreement makes this one's agreement IMPLIED. */
  impliedBy?: string;
}

/** A level's name as explanations give it. */
export function levelName(comparison: Comparison, level: number): string {
  if (level === MISSING) return 'missing';
  if (level === IMPLIED) return `implied_by_${comparison.impliedBy ?? 'another'}`;
  return comparison.levels[level] ?? '?';
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

/**
 * One given name written with and without a space (Mary Ann / Maryann, or a stray space typed
 * inside a name): the first two words of one record run together are the other's given name.
 */
function givenWrittenApart(a: MatchRecord, b: MatchRecord): boolean {
  const joined = (r: MatchRecord): string | null => (r.middle[0] ? `${r.given ?? ''}${r.middle[0]}` : null);
  return joined(a) === b.given || joined(b) === a.given;
}

function compareGiven(a: MatchRecord, b: MatchRecord): number {
  if (!a.given || !b.given) {
    // A given name entered in the family-name box alone still tells us something.
    return MISSING;
  }
  const level = GIVEN;
  if (a.given === b.given || givenWrittenApart(a, b)) return level['exact'];
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

/**
 * The date-of-birth levels of `compareDob`, with one more before "different": two keying slips
 * (at most two digits of the written date wrong, missing or extra), as in Splink's edit-distance
 * levels on dates. Dates that far apart are still "different" to the household-namesakes rule
 * (siblings' dates of birth can be two digits apart), so the extra level lives only here.
 */
const DOB_COMPARISON_LEVELS = [...DOB_LEVELS.filter((l) => l !== 'different'), 'two_digits', 'different'] as const;
const DOB_TWO_DIGITS = DOB_COMPARISON_LEVELS.indexOf('two_digits');

function compareDobLevel(a: MatchRecord, b: MatchRecord): number {
  if (!a.dob || !b.dob) return MISSING;
  const level = compareDob(a.dob, b.dob);
  if (level === 'different' && levenshtein(a.dob.text, b.dob.text, 2) <= 2) return DOB_TWO_DIGITS;
  return DOB_COMPARISON_LEVELS.indexOf(level);
}

function postcodeLevel(a: MatchRecord, b: MatchRecord): number {
  if (!a.postcode || !b.postcode) return MISSING;
  if (a.postcode === b.postcode) return 0;
  const pa = postcodeParts(a.postcode);
  const pb = postcodeParts(b.postcode);
  if (pa.sector === pb.sector) return 1;
  if (pa.district === pb.district) return 2;
  if (pa.area === pb.area) return 3;
  return 4;
}

/** Both records give one address, as written (after normalising): one house, counted once. */
function sameHouse(a: MatchRecord, b: MatchRecord): boolean {
  return !!a.address && a.address === b.address;
}

/** Postcode, unless it agrees (exactly or but for its last letters) with one house's: then it is part of the house. */
function comparePostcode(a: MatchRecord, b: MatchRecord): number {
  const level = postcodeLevel(a, b);
  return (level === 0 || level === 1) && sameHouse(a, b) ? IMPLIED : level;
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

/** Town, unless it agrees and so does the house. */
function compareTown(a: MatchRecord, b: MatchRecord): number {
  if (!a.town || !b.town) return MISSING;
  const level = a.town === b.town ? 0 : jaroWinkler(a.town, b.town) >= 0.88 ? 1 : 2;
  return level < 2 && sameHouse(a, b) ? IMPLIED : level;
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

/**
 * True when both records carry one strong identifier, exactly or with one keying slip (one digit,
 * or two neighbours swapped). Two valid NHS numbers never differ that way (the mod-11 check digit
 * catches every such slip), so the pair is one child's number written twice; twins and household
 * namesakes each have their own number, and this lifts the rules that keep them apart.
 */
export function identifiersAgree(a: MatchRecord, b: MatchRecord): boolean {
  const level = compareTypedCode(a.identifier, b.identifier);
  return level === 0 || level === 1;
}

/** The comparisons the model scores, in the order explanations list them. */
export const COMPARISONS: readonly Comparison[] = [
  { name: 'given_name', levels: GIVEN_LEVELS, compare: compareGiven, termFrequency: { level: 0, value: (r) => r.given } },
  { name: 'family_name', levels: FAMILY_LEVELS, compare: compareFamily, termFrequency: { level: 0, value: (r) => r.family } },
  { name: 'dob', levels: DOB_COMPARISON_LEVELS, compare: compareDobLevel },
  { name: 'sex', levels: ['same', 'different'], compare: (a, b) => (!a.sex || !b.sex ? MISSING : a.sex === b.sex ? 0 : 1) },
  { name: 'postcode', levels: ['exact', 'sector', 'district', 'area', 'different'], compare: comparePostcode, termFrequency: { level: 0, value: (r) => r.postcode }, impliedBy: 'address' },
  { name: 'address', levels: ['exact', 'similar_0.8', 'similar_0.5', 'similar_0.25', 'different'], compare: compareAddress },
  { name: 'town', levels: ['exact', 'jw_0.88', 'different'], compare: compareTown, termFrequency: { level: 0, value: (r) => r.town }, impliedBy: 'address' },
  { name: 'email', levels: ['exact', 'similar', 'different'], compare: compareEmail },
  { name: 'phone', levels: ['exact', 'one_digit', 'different'], compare: (a, b) => compareTypedCode(a.phone, b.phone) },
  { name: 'identifier', levels: ['exact', 'one_digit', 'different'], compare: (a, b) => compareTypedCode(a.identifier, b.identifier) },
];

/** Level index of a named level in a named comparison (for rules and tests). */
export function levelIndex(comparison: string, level: string): number {
  const c = COMPARISONS.find((x) => x.name === comparison);
  return c ? c.levels.indexOf(level) : -1;
}

/** Family-name levels at which two children can be one family: the twin rules need one of them. */
const SAME_FAMILY_LEVELS: ReadonlySet<string> = new Set(['exact', 'former_surname', 'shares_a_surname'] satisfies (typeof FAMILY_LEVELS)[number][]);
const SAME_FAMILY: ReadonlySet<number> = new Set(FAMILY_LEVELS.flatMap((l, i) => (SAME_FAMILY_LEVELS.has(l) ? [i] : [])));

/**
 * One given name written twice, never the names of two children: the same, swapped into the family
 * box, or spellings at least 0.92 Jaro–Winkler alike whichever level caught them (the variant list
 * holds spellings such as Lily / Lilly as well as distinct names such as Harry / Henry).
 */
function oneNameWrittenTwice(a: MatchRecord, b: MatchRecord, givenLevel: number): boolean {
  if (givenLevel === GIVEN['exact'] || givenLevel === GIVEN['swapped_with_family'] || givenLevel === GIVEN['jw_0.92']) return true;
  return a.given !== null && b.given !== null && jaroWinkler(a.given, b.given) >= 0.92;
}

/**
 * Twins (and other same-birth siblings): same family name and date of birth, and given names that
 * say two children. Everything else about them agrees (address, postcode, family name), so the
 * independence assumption of Fellegi–Sunter would add that up into a confident match. This rule
 * vetoes such pairs. Given names say two children when:
 *
 * - they are clearly different (below every spelling, sound and variant level, and more than one
 *   keying slip apart: `oneKeyingSlip`); or
 * - they are not one name written twice (the same, or spellings ≥ 0.92 Jaro–Winkler alike) AND
 *   both records give middle names that differ (`middleNamesDiffer`); or
 * - they are not one name written twice AND
 *   both records carry an NHS number AND the numbers differ by more than a keying slip. Twins
 *   whose names happen to meet (one's first name is the other's middle name, or the names sound
 *   alike or are known variants) otherwise reach p ≥ 0.99 on home, family name and date of birth:
 *   51 of 56 such twin pairs in the seeded 1M population (seed 2026) had two different NHS numbers.
 *
 * The trade in the second case: a real duplicate whose NHS number is wrong as a whole (another
 * child's, another system's) AND whose first name was recorded as a nickname, a sound-alike or a
 * middle name is kept apart. That is two independent errors in one record, while multiple births
 * are about 15 in every 1,000 maternities in England and Wales; merging two children is the
 * costly error, and a duplicate left apart can still be merged by a person. A keying slip in the
 * number (one digit, or two neighbours swapped: the "one_digit" level) does not count: two valid
 * NHS numbers never differ that way, the mod-11 check digit sees to it. Nor does a near-identical
 * spelling: twins are not given one name spelt two ways, and a typo beside a wholly wrong number
 * is not rare: FEBRL2 with soc_sec_id as the identifier has 13 such true pairs (counting them
 * dropped its recall from 0.980 to 0.968; found by measuring, and 1 of the 56 twin pairs above
 * is at that level).
 *
 * When either record has no NHS number, names that meet only through a middle name are NOT
 * vetoed: a child known by their middle name (Oliver James recorded as James) is a common genuine
 * duplicate, and nothing on the records tells it from a twin named after the other's middle name.
 * Such a pair still scores as a match, but a person decides (`twinOrKnownByMiddleName`).
 * Sound-alike and known-variant names without an identifier are left to the score: nicknames and
 * spellings are the commonest genuine duplicates, far commoner than twins given such names, and
 * a differing recorded sex already stops an automatic link.
 */
export function looksLikeTwins(a: MatchRecord, b: MatchRecord): boolean {
  if (!a.given || !b.given || !a.dob || !b.dob || a.dob.text !== b.dob.text) return false;
  // Twins never share a strong identifier (NHS number): one that agrees overrides the rule.
  if (identifiersAgree(a, b)) return false;
  if (!SAME_FAMILY.has(compareFamily(a, b))) return false;
  const given = compareGiven(a, b);
  if (given === GIVEN['different'] || given === GIVEN['jw_0.7']) return !oneKeyingSlip(a, b);
  if (oneNameWrittenTwice(a, b, given)) return false;
  return identifiersConflict(a, b) || middleNamesDiffer(a, b);
}

/**
 * Both records give middle names and none of either's is among the other's names, first or middle
 * (the same, a spelling ≥ 0.92 alike, a known variant, or an initial standing for it): twins with
 * sound-alike or variant first names and middle names of their own (Ivy Daisy / Evie Olivia),
 * which otherwise score as one child. A duplicate that drops its middle names, keeps one of them,
 * or writes them in another order (Olivia Isla / Isla Olivia: left to a person, as
 * `twinOrKnownByMiddleName` says) is not touched. Found at 1M (seed 2026): the one twin pair an
 * online feed still linked.
 */
function middleNamesDiffer(a: MatchRecord, b: MatchRecord): boolean {
  if (a.middle.length === 0 || b.middle.length === 0) return false;
  const oneName = (x: string, y: string): boolean =>
    x === y || (x.length === 1 || y.length === 1 ? x[0] === y[0] : jaroWinkler(x, y) >= 0.92 || areGivenNameVariants(x, y));
  const amongNamesOf = (r: MatchRecord, x: string): boolean => (r.given !== null && oneName(x, r.given)) || r.middle.some((y) => oneName(x, y));
  return !a.middle.some((x) => amongNamesOf(b, x)) && !b.middle.some((y) => amongNamesOf(a, y));
}

/**
 * Given names one keying slip apart (one letter wrong, missing, extra, or two neighbours swapped:
 * Jack / Jadk, Sylvie / Syivie), with the first letter and recorded sex agreeing: one name
 * mistyped, not two children. Jaro–Winkler already puts a slip near the end of a name at 0.88 or
 * more (Lily / Lila); this is the same slip earlier in a short name, which it scores below 0.88.
 * Rhyming twin names differ in the first letter (Jack / Zack, Aiden / Jaden) and stay twins. Of
 * the 21,811 pairs of the demo generator's 210 common given names the rule calls clearly
 * different, 3 are one slip apart with one initial (Jake / Jade, Luca / Luna, Eoin / Erin), each
 * a boy's and a girl's name, which a recorded sex tells apart.
 */
function oneKeyingSlip(a: MatchRecord, b: MatchRecord): boolean {
  if (!a.given || !b.given || a.given.length < 4 || b.given.length < 4 || a.given[0] !== b.given[0]) return false;
  if (a.sex && b.sex && a.sex !== b.sex) return false;
  return levenshtein(a.given, b.given, 1) <= 1 || adjacentTransposition(a.given, b.given);
}

/** Comparison levels by comparison name, as an explanation lists them ("missing" when absent). */
export type LevelsByComparison = Readonly<Record<string, string | undefined>>;

/**
 * Same family and date of birth, first names that meet only through a middle name, and no NHS
 * number that agrees (exactly or but for a keying slip, as in `identifiersAgree`): either one child known by their middle name or twins, one named after the
 * other's middle name. The score cannot tell them apart (it is high for both), so the pair is
 * never joined without a person: online it goes to review instead of linking, and batch
 * clustering does not join it. Not a veto, so the genuine duplicate still scores as a match and
 * is put in front of a reviewer. Two different NHS numbers make it twins (`looksLikeTwins`).
 * Worked from levels, so that a stored explanation answers the same as the records do.
 */
export function twinOrKnownByMiddleNameLevels(levels: LevelsByComparison): boolean {
  return (
    levels['given_name'] === 'matches_middle_name' &&
    levels['dob'] === 'exact' &&
    SAME_FAMILY_LEVELS.has(levels['family_name'] ?? '') &&
    levels['identifier'] !== 'exact' &&
    levels['identifier'] !== 'one_digit'
  );
}

/** `twinOrKnownByMiddleNameLevels` for two records. */
export function twinOrKnownByMiddleName(a: MatchRecord, b: MatchRecord): boolean {
  const level = (name: string): string | undefined => {
    const c = COMPARISONS.find((x) => x.name === name);
    return c ? levelName(c, c.compare(a, b)) : 'missing';
  };
  // The given-name level first: it is rarely "matches_middle_name", so most pairs stop there.
  if (level('given_name') !== 'matches_middle_name') return false;
  return twinOrKnownByMiddleNameLevels({ given_name: 'matches_middle_name', dob: level('dob'), family_name: level('family_name'), identifier: level('identifier') });
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
  if (identifiersAgree(a, b)) return false;
  const sameAddress = compareAddress(a, b);
  return sameAddress === 0 || sameAddress === 1 || (a.postcode !== null && a.postcode === b.postcode);
}

/** The name of the rule that forbids joining two records automatically, if any. */
export function vetoRule(a: MatchRecord, b: MatchRecord): 'twins' | 'household_namesakes' | null {
  if (looksLikeTwins(a, b)) return 'twins';
  if (looksLikeHouseholdNamesakes(a, b)) return 'household_namesakes';
  return null;
}
