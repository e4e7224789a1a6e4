import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import { PREPARED } from '../platform/db/prepared.js';
import type { StampedAuditEntry } from '../audit/audit-entry.js';
import { auditEntriesInsert } from '../audit/audit.repository.js';
import type { WeightedEntry } from '../children/children.repository.js';
import type { Sex } from '../children/child-identity.js';

/** How many children a search blocks on, and how many of the best of those it returns. */
export interface CandidateLimits {
  blocked: number;
  results: number;
}

/** The kind a search ranks the children it blocked by a part of their date of birth by. */
export const RANKING_KIND = 'given_name_metaphone';
/** The kinds that block a child by its whole date of birth: their given-name sounds are ranked by DATE_GIVEN_SOUND_KIND. */
const WHOLE_DATE_KINDS = ['dob', 'dob_swapped'];

/**
 * The ranked candidates as the CTEs `blocked` and `ranked`, for a statement to build on. Two
 * steps, because a search's cheap keys are shared by hundreds of children: children sharing any
 * `blocking` value (weighted, at most `limits.blocked`, best first), then re-ranked by the
 * `ranking` values (given-name sounds) they also hold. The few hundred children sharing the
 * date of birth are ranked among the blocking values themselves, by their date with a given-name
 * sound (DATE_GIVEN_SOUND_KIND, one posting list); a child blocked only by its family-name sound
 * with a part of the date (what finds a mistyped day or month) is probed child by child, through
 * the primary key: at 1M, 110 a search on average of the 400, 64 at the median, about 300 for a
 * common last name. Given-name sounds are common ones (thousands of children share one at
 * national scale), so they are never scanned as posting lists.
 */
function rankedCandidates(blocking: readonly WeightedEntry[], ranking: readonly WeightedEntry[], limits: CandidateLimits) {
  if (ranking.some((e) => e.kind !== RANKING_KIND)) throw new Error(`a search ranks only by ${RANKING_KIND}`);
  return sql`
    blocked AS (
      SELECT b.child_id, sum(p.weight)::integer AS hits, bool_or(p.kind = ANY(${WHOLE_DATE_KINDS}::text[])) AS by_date
      FROM child_blind_index b
      JOIN unnest(${blocking.map((e) => e.kind)}::text[], ${blocking.map((e) => e.value)}::bytea[], ${blocking.map((e) => e.weight)}::integer[]) AS p(kind, value, weight)
        ON b.kind = p.kind AND b.value = p.value
      GROUP BY b.child_id
      ORDER BY hits DESC, b.child_id
      LIMIT ${limits.blocked}),
    ranked AS (
      SELECT c.child_id, (c.hits + CASE WHEN c.by_date THEN 0 ELSE coalesce((
        SELECT sum(r.weight)
        FROM unnest(${ranking.map((e) => e.value)}::bytea[], ${ranking.map((e) => e.weight)}::integer[]) AS r(value, weight)
        WHERE EXISTS (SELECT 1 FROM child_blind_index b WHERE b.kind = ${sql.lit(RANKING_KIND)} AND b.value = r.value AND b.child_id = c.child_id)), 0) END)::integer AS hits
      FROM blocked c
      ORDER BY hits DESC, c.child_id
      LIMIT ${limits.results})`;
}

/** The ranked candidates' ids, best first, each saying whether the child is shielded (nothing opened). */
export async function findRankedCandidates(
  db: DbOrTx, blocking: readonly WeightedEntry[], ranking: readonly WeightedEntry[], limits: CandidateLimits,
): Promise<{ childId: string; hits: number; shielded: boolean }[]> {
  if (blocking.length === 0) return [];
  const { rows } = await sql<{ child_id: string; hits: number; shielded: boolean }>`
    WITH ${rankedCandidates(blocking, ranking, limits)}
    SELECT r.child_id, r.hits, ch.shielded
    FROM ranked r JOIN children ch ON ch.id = r.child_id
    ORDER BY r.hits DESC, r.child_id`.execute(db);
  return rows.map((r) => ({ childId: r.child_id, hits: r.hits, shielded: r.shielded }));
}

/** A ranked candidate's row: its clear facts, its sealed person fields and wrapped key, and its council. */
export interface SealedCandidateRow {
  id: string;
  sex: Sex;
  shielded: boolean;
  given_names: Buffer | null;
  family_name: Buffer;
  former_family_names: Buffer | null;
  date_of_birth: Buffer;
  nhs_number: Buffer | null;
  key_version: number;
  wrapped_key: Buffer;
  wrap_version: number;
  council_name: string | null;
  office_hours_phone: string | null;
  emergency_duty_phone: string | null;
}

/**
 * The ranked candidates with what it takes to score and show them, in ONE statement: their
 * sealed person fields and wrapped keys, and their council's contact routes. With `audit`, the
 * search's audit entry is written by the same statement (a data-modifying CTE, run to completion
 * whatever the rest reads), so entry and read commit together and the rows reach the caller only
 * after that commit: no entry, no results. Every round trip costs the service's one thread a
 * socket write and a read, at a rate where that thread is the limit. Shredded children (no key)
 * are left out. Unordered: the caller ranks by what it opens.
 */
export async function findCandidatesToOpen(
  db: DbOrTx, blocking: readonly WeightedEntry[], ranking: readonly WeightedEntry[], limits: CandidateLimits, audit: StampedAuditEntry | null,
): Promise<SealedCandidateRow[]> {
  // An unblockable query still writes its entry: the search happened.
  const candidates = blocking.length > 0
    ? sql`${rankedCandidates(blocking, ranking, limits)}`
    : sql`ranked AS (SELECT NULL::uuid AS child_id WHERE false)`;
  const { rows } = await sql<SealedCandidateRow>`${PREPARED}
    WITH ${audit ? sql`recorded AS (${auditEntriesInsert([audit])}),` : sql``} ${candidates}
    SELECT ch.id, ch.sex, ch.shielded, ch.given_names, ch.family_name, ch.former_family_names, ch.date_of_birth, ch.nhs_number,
           k.key_version, k.wrapped_key, k.wrap_version,
           o.name AS council_name, o.office_hours_phone, o.emergency_duty_phone
    FROM ranked r
    JOIN children ch ON ch.id = r.child_id
    JOIN child_keys k ON k.child_id = r.child_id
    LEFT JOIN organisations o ON o.id = ch.responsible_council_id`.execute(db);
  return rows;
}
