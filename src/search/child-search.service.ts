import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import { ValidationError } from '../platform/http/errors.js';
import { isCalendarDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { StampedAuditEntry } from '../audit/audit-entry.js';
import { ChildrenService } from '../children/children.service.js';
import type { BlindIndexEntry, BlindIndexKind } from '../children/blind-index.js';
import type { Child } from '../children/child-identity.js';
import { isValidNhsNumber, normaliseNhsNumber } from '../children/nhs-number.js';
import type { ChildSearchQuery } from './child-search-query.js';
import { findCandidatesToOpen, findRankedCandidates } from './child-search.repository.js';
import { LIKELY_SCORE, likeness } from './likeness.js';
import { SealedCandidate } from './sealed-candidate.js';

export type { ChildSearchQuery } from './child-search-query.js';

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

const MAX_RESULTS = 10;
/** Blind-index kinds a search blocks on and ranks by, with what a shared value adds. */
export const SEARCH_KEYS = {
  // A sound with the year and month (or day) counts as much as the whole date of birth: otherwise
  // the few hundred children born that day, whatever their name, outrank the child whose day was
  // mistyped. At 1M, 400 fuzzy searches with one day (or month) changed found the child among the
  // candidates opened 82–83% of the time at 4, 18–20% at 2 (and blocking on the sound in the
  // birth year, as before), with all 400 unchanged searches still found.
  blocking: { nhs_number: 8, dob: 4, dob_swapped: 4, dob_month_family_metaphone: 4, dob_day_family_metaphone: 4, dob_given_metaphone: 1 },
  // A given name's sound ranks the children blocked (the date's own sound-and-name pair above
  // ranks those sharing the date): one the search names adds as much to a child sharing the date
  // as to one sharing a part of it.
  ranking: { given_name_metaphone: 1 },
} as const;
/** Children blocked per search (about 330 share a date of birth, as given or swapped, at 1M). */
const BLOCKED_LIMIT = 400;
/** Children opened and scored per search: the best ranked. */
const CANDIDATE_LIMIT = 30;
const LIMITS = { blocked: BLOCKED_LIMIT, results: CANDIDATE_LIMIT };

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
   * swapped) and on the last name's sound with the birth year and month and with the birth year
   * and day (so a mistyped day, or a mistyped month, still finds the child), then ranked by the
   * first name's sound. Names alone are not keys: a common name is shared by thousands of
   * children at national scale (measured at 1M children: 66 ms per search with them, 4 ms
   * without), and so is a common name's sound in a whole birth year (the candidate query alone
   * at 1M: 454–472/s blocking on it, 666–676/s on the sound with parts of the date). A search
   * with the wrong birth year and neither a swap nor the right date finds nothing, which a
   * search must be allowed to do.
   */
  candidates(query: ChildSearchQuery): Promise<{ childId: string; hits: number; shielded: boolean }[]> {
    const { blocking, ranking } = this.#keys(query);
    return findRankedCandidates(this.deps.db, blocking, ranking, LIMITS);
  }

  /**
   * The children who fit the query, closest first. With `audit`, the search's audit entry is
   * written by the same statement that reads the candidates, so the results exist only once the
   * entry is committed (no entry, no results) at one round trip for the whole search.
   */
  async search(input: ChildSearchQuery, audit: StampedAuditEntry | null = null): Promise<ChildSearchResult[]> {
    const query = ChildSearchService.validate(input);
    const { blocking, ranking } = this.#keys(query);
    const { crypto } = this.#children.sealer;
    const scored: { child: SealedCandidate; score: number; because: string[] }[] = [];
    for (const row of await findCandidatesToOpen(this.deps.db, blocking, ranking, LIMITS, audit)) {
      const child = new SealedCandidate(crypto, row);
      const fit = likeness(query, child);
      if (fit) scored.push({ child, ...fit });
    }
    scored.sort((a, b) => b.score - a.score || a.child.row.id.localeCompare(b.child.row.id));
    return scored.slice(0, MAX_RESULTS).map(({ child, score, because }) => ({
      childId: child.row.id,
      givenNames: child.givenNames,
      familyName: child.familyName,
      dateOfBirth: child.dateOfBirth,
      sex: child.row.sex,
      shielded: child.row.shielded,
      council: { name: child.row.council_name ?? 'Unknown council', officeHoursPhone: child.row.office_hours_phone, emergencyDutyPhone: child.row.emergency_duty_phone },
      likeness: score >= 95 ? 'exact' : score >= LIKELY_SCORE ? 'close' : 'possible',
      because,
    }));
  }

  /** The query's blind-index values a search blocks on and ranks by, each with its weight. */
  #keys(query: ChildSearchQuery): Record<keyof typeof SEARCH_KEYS, (BlindIndexEntry & { weight: number })[]> {
    const probe = this.#children.probe({ nhsNumber: query.nhsNumber ?? null, givenNames: query.givenNames ?? null, familyName: query.familyName ?? null, dateOfBirth: query.dateOfBirth ?? null });
    const weighted = (table: Partial<Record<BlindIndexKind, number>>) =>
      probe.flatMap((e) => (table[e.kind] === undefined ? [] : [{ ...e, weight: table[e.kind]! }]));
    return { blocking: weighted(SEARCH_KEYS.blocking), ranking: weighted(SEARCH_KEYS.ranking) };
  }
}
