import type { PersonFields } from '../children/child-identity.js';
import { normaliseName } from '../children/blind-index.js';
import { jaroWinkler } from '../matching/jaro-winkler.js';
import { areGivenNameVariants } from '../matching/name-variants.js';
import { compareDob, type DobLevel } from '../matching/dob.compare.js';
import { makeDob } from '../matching/dob.parse.js';
import type { ChildSearchQuery } from './child-search-query.js';

const DOB_POINTS: Record<DobLevel, number> = {
  exact: 30, day_month_swapped: 26, transposed_digits: 22, one_digit: 20, within_1_month: 10, within_1_year: 6, different: 0,
};
const DOB_WORDS: Partial<Record<DobLevel, string>> = {
  day_month_swapped: 'date of birth with day and month swapped',
  transposed_digits: 'date of birth with two digits swapped',
  one_digit: 'date of birth one digit different',
  within_1_month: 'date of birth within a month',
  within_1_year: 'date of birth within a year',
};
/** Below this a candidate is not shown: a search must not become a way to browse children. */
export const MIN_SCORE = 62;
/** From this score a result is a likely match ('close' or 'exact'), not a 'possible' one: what a shield follows. */
export const LIKELY_SCORE = 80;
/** The most the date of birth and the first name can add (the best date level; a first name alike). */
const MOST_WITHOUT_FAMILY_NAME = Math.max(...Object.values(DOB_POINTS)) + 30;

function bestSimilarity(a: string, options: readonly string[]): number {
  const left = normaliseName(a);
  return Math.max(0, ...options.map((o) => jaroWinkler(left, normaliseName(o))));
}

/**
 * Scores how well a child fits a validated query (0–100) and says why, in words people
 * understand; null when the child cannot reach MIN_SCORE. Fields are read in the order that
 * rules most candidates out soonest (the last name, then the date of birth, then the first name),
 * and no further once the child is out, so a candidate opened on demand (SealedCandidate) has
 * only what its score needed opened.
 */
export function likeness(query: ChildSearchQuery, person: PersonFields): { score: number; because: string[] } | null {
  if (query.nhsNumber) return person.nhsNumber === query.nhsNumber ? { score: 100, because: ['NHS number'] } : null;
  const because: string[] = [];
  const currentSimilarity = bestSimilarity(query.familyName!, [person.familyName]);
  const formerSimilarity = bestSimilarity(query.familyName!, person.formerFamilyNames);
  const family = Math.max(currentSimilarity, formerSimilarity);
  // A last name unlike the one searched for scores nothing, and the rest cannot make up for it.
  if (family < 0.85 && MOST_WITHOUT_FAMILY_NAME < MIN_SCORE) return null;
  if (formerSimilarity > currentSimilarity && formerSimilarity >= 0.9) because.push('a former last name');
  else if (family < 1 && family >= 0.85) because.push('a similar last name');
  let score = 40 * (family >= 0.85 ? family : 0);

  const [y, m, d] = query.dateOfBirth!.split('-').map(Number) as [number, number, number];
  const [cy, cm, cd] = person.dateOfBirth.split('-').map(Number) as [number, number, number];
  const level = compareDob(makeDob(y, m, d), makeDob(cy, cm, cd));
  score += DOB_POINTS[level];
  const dobWords = DOB_WORDS[level];
  if (dobWords) because.push(dobWords);

  if (query.givenNames) {
    const wanted = query.givenNames.split(/\s+/)[0]!;
    const recorded = (person.givenNames ?? '').split(/[\s-]+/).filter(Boolean);
    if (recorded.some((r) => areGivenNameVariants(normaliseName(wanted), normaliseName(r)))) {
      score += 28;
      because.push('a known short form of the first name');
    } else {
      const given = bestSimilarity(wanted, recorded);
      score += given >= 0.8 ? 30 * given : 0;
      if (given < 1 && given >= 0.8) because.push('a similar first name');
    }
  } else {
    score += 15;
  }
  const rounded = Math.round(score);
  return rounded >= MIN_SCORE ? { score: rounded, because } : null;
}
