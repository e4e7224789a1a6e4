import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

/** CP-IS goes live for a council only when at least this share of its records has an NHS number. */
export const NHS_MATCH_TARGET = 0.95;

export interface MatchRateFigures {
  children: number;
  withNhsNumber: number;
  /** withNhsNumber / children; null with no children. */
  nhsShare: number | null;
  belowTarget: boolean;
  openItems: number;
  medianAgeDays: number | null;
  oldestAgeDays: number | null;
  autoLinksLast30Days: number;
}

/**
 * The match-rate dashboard's figures for one council, counts only (no child data).
 *
 * "Verified" NHS number: one held on the record that passed the modulus-11 check when it was
 * entered (the validator refuses any other). Tracing against the NHS Spine is not available to
 * Signpost. Live records only: merged tombstones and crypto-shredded records (no data key) are
 * not counted. Whether a record holds one is read from its sealed column's presence (the number
 * and its `nhs_number` blind index are written together), in the one scan of the council's
 * children: probing each child's blind-index rows took 3.2 s for a council of 204,000 at 1M.
 */
export async function matchRateFigures(db: DbOrTx, councilId: string, now: Date): Promise<MatchRateFigures> {
  const { rows: [counts] } = await sql<{ children: number; with_nhs: number }>`
    SELECT count(*)::integer AS children,
           count(*) FILTER (WHERE c.nhs_number IS NOT NULL)::integer AS with_nhs
    FROM children c JOIN child_keys k ON k.child_id = c.id
    WHERE c.responsible_council_id = ${councilId} AND c.merged_into IS NULL`.execute(db);
  const { rows: [queue] } = await sql<{ open: number; median_days: number | null; oldest_days: number | null }>`
    SELECT count(*)::integer AS open,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (${now}::timestamptz - r.created_at))) / 86400)::float8 AS median_days,
           (max(extract(epoch FROM (${now}::timestamptz - r.created_at))) / 86400)::float8 AS oldest_days
    FROM match_review_items r
    JOIN children a ON a.id = r.incoming_child_id
    JOIN children b ON b.id = r.existing_child_id
    WHERE r.status IN ('open', 'not_sure') AND (a.responsible_council_id = ${councilId} OR b.responsible_council_id = ${councilId})`.execute(db);
  const { rows: [links] } = await sql<{ n: number }>`
    SELECT count(*)::integer AS n
    FROM audit_entries e JOIN children c ON c.id = e.child_id
    WHERE e.action = 'update' AND e.basis LIKE 'feed from %: automatic match' AND e.outcome = 'allowed'
      AND e.occurred_at >= ${now}::timestamptz - interval '30 days' AND c.responsible_council_id = ${councilId}`.execute(db);
  const children = counts?.children ?? 0;
  const withNhsNumber = counts?.with_nhs ?? 0;
  const nhsShare = children === 0 ? null : withNhsNumber / children;
  return {
    children, withNhsNumber, nhsShare, belowTarget: nhsShare !== null && nhsShare < NHS_MATCH_TARGET,
    openItems: queue?.open ?? 0,
    medianAgeDays: queue?.median_days === null || queue?.median_days === undefined ? null : Math.floor(queue.median_days),
    oldestAgeDays: queue?.oldest_days === null || queue?.oldest_days === undefined ? null : Math.floor(queue.oldest_days),
    autoLinksLast30Days: links?.n ?? 0,
  };
}
