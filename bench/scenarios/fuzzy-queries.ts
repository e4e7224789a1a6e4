import type { Child } from '../../src/children/child-identity.js';

/** A search a practitioner might type: a name as they heard it and the date of birth. */
export interface FuzzyQuery {
  givenNames: string;
  familyName: string;
  day: number;
  month: number;
  year: number;
}

/**
 * Turns real children into imperfect searches, deterministically: a letter swapped in the last
 * name for half of them, day and month swapped where both could be a month for a fifth, the first
 * given name only. These are the searches the blind indexes must still answer.
 */
export function fuzzyQueries(children: readonly Child[]): FuzzyQuery[] {
  return children.map((child, i) => {
    const [year, month, day] = child.identity.dateOfBirth.split('-').map(Number) as [number, number, number];
    const family = child.identity.familyName;
    const misspelt = i % 2 === 0 && family.length > 4 ? `${family.slice(0, 2)}${family[3]}${family[2]}${family.slice(4)}` : family;
    const swap = i % 5 === 0 && day <= 12 && day !== month;
    return {
      givenNames: (child.identity.givenNames ?? '').split(' ')[0] ?? '',
      familyName: misspelt,
      day: swap ? month : day,
      month: swap ? day : month,
      year,
    };
  });
}

export const isoDate = (q: FuzzyQuery): string => `${String(q.year)}-${String(q.month).padStart(2, '0')}-${String(q.day).padStart(2, '0')}`;
