import type { Viewer } from './viewer.js';

/**
 * Who may work the match review queue (issue 5): a council's MASH officers and council
 * administrators — the people who already see a child's case across agencies and keep the
 * council's records straight. Deny by default: practitioners, information-governance officers
 * (who audit the decisions, they do not make them) and agency systems may not.
 */
export const MATCH_REVIEW_ROLES: ReadonlySet<string> = new Set(['mash_officer', 'council_administrator']);

export interface MatchReviewDecision {
  allow: boolean;
  basis: string;
}

/** Whether the viewer may use the review pages at all (the queue, the dashboard). */
export function mayReviewMatches(viewer: Viewer): MatchReviewDecision {
  if (viewer.kind === 'user' && MATCH_REVIEW_ROLES.has(viewer.role)) return { allow: true, basis: 'match review role' };
  return { allow: false, basis: 'not a MASH officer or council administrator' };
}

/**
 * Whether the viewer may compare, merge or separate one pair: a reviewer of a council responsible
 * for at least one of the two children. The queue lists with the same rule in SQL
 * (match-review.repository.ts, listOpenReviewItems).
 */
export function mayReviewPair(viewer: Viewer, responsibleCouncilIds: readonly string[]): MatchReviewDecision {
  const role = mayReviewMatches(viewer);
  if (!role.allow || viewer.kind !== 'user') return role;
  if (responsibleCouncilIds.includes(viewer.organisationId)) return { allow: true, basis: 'match review role, responsible council' };
  return { allow: false, basis: 'not a responsible council of either record' };
}
