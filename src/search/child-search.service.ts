import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import { ValidationError } from '../platform/http/errors.js';
import { isCalendarDate, type CalendarDate } from '../platform/time/calendar-date.js';
import { ChildrenService } from '../children/children.service.js';
import type { Child, ChildPerson } from '../children/child-identity.js';
import { isValidNhsNumber, normaliseNhsNumber } from '../children/nhs-number.js';
import { normaliseName } from '../children/blind-index.js';
import { jaroWinkler } from '../matching/jaro-winkler.js';
import { areGivenNameVariants } from '../matching/name-variants.js';
import { compareDob, type DobLevel } from '../matching/dob.compare.js';
import { makeDob } from '../matching/dob.parse.js';
import { findOrganisationsByIds } from '../organisations/organisations.repository.js';

/** What a practitioner searches with: an NHS number, or a family name and date of birth. */
export interface ChildSearchQuery {
  nhsNumber?: string | undefined;
  givenNames?: string | undefined;
  familyName?: string | undefined;
  dateOfBirth?: string | undefined;
}

/** A search result: "known to services", who the child is, and who to contact. Nothing more. */
export interface ChildSearchResult {
  childId: string;
  givenNames: string | null;
  familyName: string;
  dateOfBirth: CalendarDate;
  sex: Child['sex'];
  shielded: boolean;
  council: { name: string; officeHoursPhone: string | null; emergencyDutyPhone: string | null };
  /** How closely the record fits the search, for people deciding which child is theirs. */
  likeness: 'exact' | 'close' | 'possible';
  /** Plain-English reasons the record was offered, e.g. "date of birth with day and month swapped". */
  because: string[];
}

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
const MIN_SCORE = 62;
const MAX_RESULTS = 10;
/** Blind-index kinds a search blocks on and ranks by, with what a shared value adds. */
const SEARCH_KEYS = {
  blocking: { nhs_number: 8, dob: 4, dob_swapped: 4, dob_year_family_metaphone: 2 },
  ranking: { given_name_metaphone: 1 },
} as const;
/** Children blocked per search (about 330 share a date of birth, as given or swapped, at 1M). */
const BLOCKED_LIMIT = 400;
/** Children opened and scored per search: the best ranked. */
const CANDIDATE_LIMIT = 30;

/**
 * Finds children by NHS number, or by name and date of birth tolerant of typos, nicknames
 * ("Billy" for William), swapped day and month and former surnames. Candidates come from the
 * keyed blind indexes (the database never sees a name), then are opened and ranked here.
 */
export class ChildSearchService {
  readonly #children: ChildrenService;

  constructor(private readonly deps: { db: Db; keys: Keyring }) {
    this.#children = new ChildrenService(deps);
  }

  /** Checks a query and returns it normalised, or throws naming each field to fix. */
  static validate(query: ChildSearchQuery): ChildSearchQuery {
    const nhs = query.nhsNumber?.trim() ?? '';
    if (nhs) {
      if (!isValidNhsNumber(nhs)) throw new ValidationError('Check the NHS number', { nhsNumber: 'Enter a 10-digit NHS number, like 943 476 5919' });
      return { nhsNumber: normaliseNhsNumber(nhs) };
    }
    const fields: Record<string, string> = {};
    const familyName = query.familyName?.trim() ?? '';
    const dateOfBirth = query.dateOfBirth?.trim() ?? '';
    if (!familyName) fields['familyName'] = 'Enter the child\'s last name, or search by NHS number';
    if (!dateOfBirth) fields['dateOfBirth'] = 'Enter the child\'s date of birth';
    else if (!isCalendarDate(dateOfBirth)) fields['dateOfBirth'] = 'Date of birth must be a real date';
    if (Object.keys(fields).length > 0) throw new ValidationError('Enter an NHS number, or a last name and date of birth', fields);
    return { givenNames: query.givenNames?.trim() || undefined, familyName, dateOfBirth };
  }

  /**
   * Whether `search(input)` could return a shielded child: any of its candidates is shielded.
   * Cheap (nothing is opened), so feeds check it before paying for a full search.
   */
  async mayFindShielded(input: ChildSearchQuery): Promise<boolean> {
    return (await this.candidates(ChildSearchService.validate(input))).some((c) => c.shielded);
  }

  /**
   * The children worth opening for a validated query, best first (public for the benchmark's
   * side-by-side baseline). Blocked on the date of birth (as given, or with day and month
   * swapped) and on the last name's sound within the birth year (so a mistyped day or month
   * still finds the child), then ranked by the first name's sound. Names alone are not keys: a
   * common name is shared by thousands of children at national scale (measured at 1M children:
   * 66 ms per search with them, 4 ms without). A search with the wrong birth year and neither a
   * swap nor the right date finds nothing, which a search must be allowed to do.
   */
  candidates(query: ChildSearchQuery): Promise<{ childId: string; hits: number; shielded: boolean }[]> {
    const probe = this.#children.probe({ nhsNumber: query.nhsNumber ?? null, givenNames: query.givenNames ?? null, familyName: query.familyName ?? null, dateOfBirth: query.dateOfBirth ?? null });
    return this.#children.findCandidatesBlockedThenRanked(probe, SEARCH_KEYS, { blocked: BLOCKED_LIMIT, results: CANDIDATE_LIMIT });
  }

  async search(input: ChildSearchQuery): Promise<ChildSearchResult[]> {
    const query = ChildSearchService.validate(input);
    const candidates = await this.candidates(query);
    const scored: { child: ChildPerson; score: number; because: string[] }[] = [];
    // One query for every candidate (shredded ones are left out), opening only the fields ranked by.
    for (const child of await this.#children.readPeople(candidates.map((c) => c.childId))) {
      const { score, because } = likeness(query, child);
      if (score >= MIN_SCORE) scored.push({ child, score, because });
    }
    scored.sort((a, b) => b.score - a.score || a.child.id.localeCompare(b.child.id));
    const top = scored.slice(0, MAX_RESULTS);
    const councils = new Map((await findOrganisationsByIds(this.deps.db, [...new Set(top.map((s) => s.child.responsibleCouncilId))])).map((o) => [o.id, o]));
    return top.map(({ child, score, because }) => {
      const council = councils.get(child.responsibleCouncilId);
      return {
        childId: child.id,
        givenNames: child.identity.givenNames,
        familyName: child.identity.familyName,
        dateOfBirth: child.identity.dateOfBirth,
        sex: child.sex,
        shielded: child.shielded,
        council: { name: council?.name ?? 'Unknown council', officeHoursPhone: council?.office_hours_phone ?? null, emergencyDutyPhone: council?.emergency_duty_phone ?? null },
        likeness: score >= 95 ? 'exact' : score >= 80 ? 'close' : 'possible',
        because,
      };
    });
  }
}

function bestSimilarity(a: string, options: readonly string[]): number {
  const left = normaliseName(a);
  return Math.max(0, ...options.map((o) => jaroWinkler(left, normaliseName(o))));
}

/** Scores how well a child fits the query (0–100) and says why, in words people understand. */
export function likeness(query: ChildSearchQuery, child: ChildPerson): { score: number; because: string[] } {
  const { identity } = child;
  if (query.nhsNumber) {
    return identity.nhsNumber === query.nhsNumber ? { score: 100, because: ['NHS number'] } : { score: 0, because: [] };
  }
  const because: string[] = [];
  const currentSimilarity = bestSimilarity(query.familyName!, [identity.familyName]);
  const formerSimilarity = bestSimilarity(query.familyName!, identity.formerFamilyNames);
  const family = Math.max(currentSimilarity, formerSimilarity);
  if (formerSimilarity > currentSimilarity && formerSimilarity >= 0.9) because.push('a former last name');
  else if (family < 1 && family >= 0.85) because.push('a similar last name');
  let score = 40 * (family >= 0.85 ? family : 0);

  const [y, m, d] = query.dateOfBirth!.split('-').map(Number) as [number, number, number];
  const [cy, cm, cd] = identity.dateOfBirth.split('-').map(Number) as [number, number, number];
  const level = compareDob(makeDob(y, m, d), makeDob(cy, cm, cd));
  score += DOB_POINTS[level];
  const dobWords = DOB_WORDS[level];
  if (dobWords) because.push(dobWords);

  if (query.givenNames) {
    const wanted = query.givenNames.split(/\s+/)[0]!;
    const recorded = (identity.givenNames ?? '').split(/[\s-]+/).filter(Boolean);
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
  return { score: Math.round(score), because };
}
