import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { Contribution } from '../matching/model.js';

export const REVIEW_STATUSES = ['open', 'not_sure', 'same_child', 'different_children'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export type ReviewOrigin = 'feed' | 'practitioner' | 'dedupe';

export interface NewReviewItem {
  incomingChildId: string;
  existingChildId: string;
  probability: number;
  matchWeight: number;
  contributions: readonly Contribution[];
  origin: ReviewOrigin;
  /** From the injected clock, so ages on the dashboard agree with the rest of the service. */
  createdAt: Date;
}

export interface ReviewItemRow {
  id: number;
  incomingChildId: string;
  existingChildId: string;
  probability: number;
  matchWeight: number;
  contributions: Contribution[];
  origin: ReviewOrigin;
  status: ReviewStatus;
  createdAt: Date;
  decidedByUserId: string | null;
  decidedByName: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
}

/** Adds review items; a pair already queued (either way round) is left as it is. Returns how many were new. */
export async function insertReviewItems(db: DbOrTx, items: readonly NewReviewItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const result = await sql`
    INSERT INTO match_review_items (incoming_child_id, existing_child_id, probability, match_weight, explanation, origin, created_at)
    SELECT * FROM unnest(${items.map((i) => i.incomingChildId)}::uuid[], ${items.map((i) => i.existingChildId)}::uuid[],
                         ${items.map((i) => i.probability)}::float8[], ${items.map((i) => i.matchWeight)}::float8[],
                         ${items.map((i) => JSON.stringify(i.contributions))}::jsonb[], ${items.map((i) => i.origin)}::text[],
                         ${items.map((i) => i.createdAt.toISOString())}::timestamptz[])
    ON CONFLICT DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

interface RawItem {
  id: string;
  incoming_child_id: string;
  existing_child_id: string;
  probability: number;
  match_weight: number;
  explanation: Contribution[];
  origin: ReviewOrigin;
  status: ReviewStatus;
  created_at: Date;
  decided_by_user_id: string | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
}

function toRow(r: RawItem): ReviewItemRow {
  return {
    id: Number(r.id), incomingChildId: r.incoming_child_id, existingChildId: r.existing_child_id, probability: r.probability, matchWeight: r.match_weight,
    contributions: r.explanation, origin: r.origin, status: r.status, createdAt: r.created_at, decidedByUserId: r.decided_by_user_id,
    decidedByName: r.decided_by_name, decidedAt: r.decided_at, decisionReason: r.decision_reason,
  };
}

/**
 * Items still waiting for a person (open or "not sure") where either child's responsible council
 * is `councilId`, oldest first or the strongest evidence (match weight) first. The same council
 * rule as {@link findReviewItem}'s caller applies.
 */
export async function listOpenReviewItems(db: DbOrTx, councilId: string, order: 'oldest' | 'likely', limit: number, offset: number): Promise<ReviewItemRow[]> {
  const { rows } = await sql<RawItem>`
    SELECT r.*, NULL::text AS decided_by_name
    FROM match_review_items r
    JOIN children a ON a.id = r.incoming_child_id
    JOIN children b ON b.id = r.existing_child_id
    WHERE r.status IN ('open', 'not_sure')
      AND (a.responsible_council_id = ${councilId} OR b.responsible_council_id = ${councilId})
    ORDER BY ${order === 'likely' ? sql`r.match_weight DESC, r.id` : sql`r.created_at, r.id`}
    LIMIT ${limit} OFFSET ${offset}`.execute(db);
  return rows.map(toRow);
}

export async function findReviewItem(db: DbOrTx, id: number, options: { forUpdate?: boolean } = {}): Promise<ReviewItemRow | undefined> {
  const { rows } = options.forUpdate
    ? await sql<RawItem>`SELECT r.*, NULL::text AS decided_by_name FROM match_review_items r WHERE r.id = ${id} FOR UPDATE`.execute(db)
    : await sql<RawItem>`
        SELECT r.*, u.display_name AS decided_by_name
        FROM match_review_items r LEFT JOIN users u ON u.id = r.decided_by_user_id
        WHERE r.id = ${id}`.execute(db);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function saveReviewDecision(db: DbOrTx, id: number, decision: { status: Exclude<ReviewStatus, 'open'>; userId: string; reason: string }): Promise<void> {
  await sql`
    UPDATE match_review_items
    SET status = ${decision.status}, decided_by_user_id = ${decision.userId}, decided_at = now(), decision_reason = ${decision.reason}
    WHERE id = ${id}`.execute(db);
}

/** Puts a decided item back in the queue (an unmerge reopens the question it answered). */
export async function reopenReviewItem(db: DbOrTx, id: number): Promise<void> {
  await sql`UPDATE match_review_items SET status = 'open', decided_by_user_id = NULL, decided_at = NULL, decision_reason = NULL WHERE id = ${id}`.execute(db);
}

/** The two children's responsible councils (absent when either record is gone). */
export async function pairCouncils(db: DbOrTx, a: string, b: string): Promise<string[]> {
  const { rows } = await sql<{ responsible_council_id: string }>`SELECT responsible_council_id FROM children WHERE id IN (${a}, ${b})`.execute(db);
  return rows.map((r) => r.responsible_council_id);
}

/** The survivor a merged record points at, or null for a live record (or none). */
export async function mergedInto(db: DbOrTx, childId: string): Promise<string | null> {
  const { rows } = await sql<{ merged_into: string | null }>`SELECT merged_into FROM children WHERE id = ${childId}`.execute(db);
  return rows[0]?.merged_into ?? null;
}

/**
 * The live record an id now stands for: itself, or the survivor a merged record points at
 * (following a chain of merges). Old ids held by other systems keep working after a merge.
 */
export async function resolveSurvivor(db: DbOrTx, childId: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    WITH RECURSIVE chain(id, merged_into, depth) AS (
      SELECT id, merged_into, 0 FROM children WHERE id = ${childId}
      UNION ALL
      SELECT c.id, c.merged_into, chain.depth + 1 FROM children c JOIN chain ON c.id = chain.merged_into WHERE chain.depth < 20
    )
    SELECT id FROM chain WHERE merged_into IS NULL LIMIT 1`.execute(db);
  return rows[0]?.id ?? childId;
}

/**
 * The child and every record merged into it (directly or through a chain): whose history is now
 * this child's, so "who looked" and subject access reports still list looks at the duplicate.
 */
export async function withMergedIds(db: DbOrTx, survivorId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH RECURSIVE merged(id, depth) AS (
      SELECT ${survivorId}::uuid, 0
      UNION ALL
      SELECT c.id, merged.depth + 1 FROM children c JOIN merged ON c.merged_into = merged.id WHERE merged.depth < 20
    )
    SELECT DISTINCT id FROM merged`.execute(db);
  return rows.map((r) => r.id);
}
