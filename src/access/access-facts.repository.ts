import { sql, type RawBuilder } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { ChildAccessFacts } from './child-access.js';
import { MASH_ROLES } from './child-access.js';
import { resolveSurvivor } from '../match-review/match-review.repository.js';

/**
 * The access rule's facts in SQL (SECURITY §1). One set of fragments serves both the per-record
 * facts ({@link loadAccessFacts}, one query) and the list filter ({@link listCaseViewable}), so a
 * list and a look cannot disagree on what a relationship is; a property test holds them together.
 *
 * A relationship comes from an involvement open today (started on or before today, not yet ended:
 * `ended_on` is exclusive, so it expires the day the involvement ends) and visible (a sensitive
 * service only with a recorded basis, as everywhere else).
 */
export interface AccessFactsQuery {
  /** The viewing user, or null for an agency system (which has no relationships). */
  userId: string | null;
  today: CalendarDate;
  now: Date;
}

const NO_USER = '00000000-0000-0000-0000-000000000000';

/** The viewer's own practitioner record, its organisation and team (empty for none). */
function viewerPractitioner(userId: string | null): RawBuilder<unknown> {
  return sql`SELECT u.practitioner_id, vp.organisation_id AS p_org, vp.team AS p_team
    FROM users u LEFT JOIN practitioners vp ON vp.id = u.practitioner_id
    WHERE u.id = ${userId ?? NO_USER}::uuid`;
}

const openVisible = (today: CalendarDate) => sql`i.child_id = c.id
  AND i.started_on <= ${today}::date AND (i.ended_on IS NULL OR i.ended_on > ${today}::date)
  AND (i.sensitive_service IS NULL OR i.sensitive_basis IS NOT NULL)`;

const ownInvolvement = (q: AccessFactsQuery) => sql<boolean>`EXISTS (
  SELECT 1 FROM involvements i, (${viewerPractitioner(q.userId)}) v
  WHERE ${openVisible(q.today)} AND v.practitioner_id IS NOT NULL AND i.practitioner_id = v.practitioner_id)`;

const teamInvolvement = (q: AccessFactsQuery) => sql<boolean>`EXISTS (
  SELECT 1 FROM involvements i JOIN practitioners p ON p.id = i.practitioner_id, (${viewerPractitioner(q.userId)}) v
  WHERE ${openVisible(q.today)} AND v.p_team IS NOT NULL AND p.team = v.p_team AND p.organisation_id = v.p_org)`;

const sealHolder = (q: AccessFactsQuery) => sql<boolean>`EXISTS (
  SELECT 1 FROM child_seal_holders h WHERE h.child_id = c.id AND h.user_id = ${q.userId ?? NO_USER}::uuid)`;

const liveBreakGlass = (q: AccessFactsQuery) => sql<boolean>`EXISTS (
  SELECT 1 FROM break_glass_grants g WHERE g.child_id = c.id AND g.user_id = ${q.userId ?? NO_USER}::uuid
    AND g.granted_at <= ${q.now} AND g.expires_at > ${q.now})`;

interface FactsRow {
  id: string;
  shielded: boolean;
  responsible_council_id: string;
  seal_holder: boolean;
  own_involvement: boolean;
  team_involvement: boolean;
  live_break_glass: boolean;
}

/** Every fact the rule needs for these children and this viewer, in one query. Missing children are absent. */
export async function loadAccessFacts(db: DbOrTx, childIds: readonly string[], q: AccessFactsQuery): Promise<Map<string, Required<ChildAccessFacts>>> {
  if (childIds.length === 0) return new Map();
  const { rows } = await sql<FactsRow>`
    SELECT c.id, c.shielded, c.responsible_council_id,
      ${sealHolder(q)} AS seal_holder,
      ${ownInvolvement(q)} AS own_involvement,
      ${teamInvolvement(q)} AS team_involvement,
      ${liveBreakGlass(q)} AS live_break_glass
    FROM children c
    WHERE c.id = ANY(${[...childIds]}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, {
    shielded: r.shielded,
    sealHolder: r.seal_holder,
    responsibleCouncilId: r.responsible_council_id,
    ownInvolvement: r.own_involvement,
    teamInvolvement: r.team_involvement,
    liveBreakGlass: r.live_break_glass,
  }]));
}

/** The facts a search result or signpost look is decided on: a relationship never changes those levels. */
export type LookAccessFacts = Required<Pick<ChildAccessFacts, 'shielded' | 'sealHolder' | 'responsibleCouncilId' | 'liveBreakGlass'>>;

/**
 * The facts for a signpost look at the live record an id stands for (a merged record answers as
 * its survivor); null when there is no such child. `read` reads a child's row (children aliased
 * `c`) with the named columns beside it, so the facts and the child's sealed row are one round
 * trip; nothing in the row is opened until access is decided. One read unless the id was merged
 * away: the chain is followed only then, as planning it on every look would double the query's
 * cost. The relationship facts are left out: only the case level uses them, and their subqueries
 * are most of the planning time of {@link loadAccessFacts}. Without them the case rule refuses.
 * `sealHolder` and `liveBreakGlass` are read for a shielded child only (false otherwise).
 */
export async function loadLookFacts<R extends { facts: { id: string; shielded: boolean; responsibleCouncilId: string }; alongside: Readonly<Record<LookFactColumn, unknown>> }>(
  db: DbOrTx,
  requestedId: string,
  q: AccessFactsQuery,
  read: (childId: string, columns: Readonly<Record<LookFactColumn, RawBuilder<unknown>>>) => Promise<R | null>,
): Promise<{ read: R; facts: LookAccessFacts } | null> {
  // At signpost level a seal-holder or a break-glass grant changes only a shielded child's look
  // (decideChildAccess), so an unshielded child's (nearly every look) skips both index probes.
  const ifShielded = (test: RawBuilder<boolean>) => sql<boolean>`CASE WHEN c.shielded THEN ${test} ELSE false END`;
  const columns = { merged_into: sql<string | null>`c.merged_into`, seal_holder: ifShielded(sealHolder(q)), live_break_glass: ifShielded(liveBreakGlass(q)) };
  const first = await read(requestedId, columns);
  const found = first?.alongside.merged_into ? await read(await resolveSurvivor(db, requestedId), columns) : first;
  if (!found) return null;
  const { facts, alongside } = found;
  // The columns are the EXISTS tests above: booleans.
  return { read: found, facts: { shielded: facts.shielded, sealHolder: alongside.seal_holder === true, responsibleCouncilId: facts.responsibleCouncilId, liveBreakGlass: alongside.live_break_glass === true } };
}

/** The look facts that are not columns of the child's own row, read alongside it. */
export type LookFactColumn = 'merged_into' | 'seal_holder' | 'live_break_glass';

/**
 * The children whose case view this user may open, in SQL, by the same rule as
 * `decideChildAccess(…, 'case', …)`: a live grant; else, if shielded, a named seal-holder; else own
 * or team involvement, or a MASH role in the responsible council. Ordered by id; at most `limit`.
 */
export async function listCaseViewable(db: DbOrTx, viewer: { userId: string; organisationId: string; role: string }, q: Omit<AccessFactsQuery, 'userId'>, limit: number): Promise<string[]> {
  const f: AccessFactsQuery = { ...q, userId: viewer.userId };
  const mash = MASH_ROLES.has(viewer.role);
  // The rule is tested only on the children one of its clauses could hold for, found through
  // the viewer's own rows (involvements of their practitioner record and team, grants,
  // seal-holdings, and their council's children for a MASH role): testing it on every child in
  // id order until the list filled took 3.9 s at a million children for a user with none.
  const { rows } = await sql<{ id: string }>`
    WITH v AS (${viewerPractitioner(f.userId)}),
    candidates AS (
      SELECT i.child_id FROM involvements i, v WHERE i.practitioner_id = v.practitioner_id
      UNION SELECT i.child_id FROM involvements i JOIN practitioners p ON p.id = i.practitioner_id, v
        WHERE p.organisation_id = v.p_org AND p.team = v.p_team
      UNION SELECT g.child_id FROM break_glass_grants g WHERE g.user_id = ${viewer.userId}::uuid
      UNION SELECT h.child_id FROM child_seal_holders h WHERE h.user_id = ${viewer.userId}::uuid
      UNION SELECT m.id FROM children m WHERE ${mash} AND m.responsible_council_id = ${viewer.organisationId}::uuid)
    SELECT c.id FROM children c
    WHERE c.id IN (SELECT child_id FROM candidates)
      AND (${liveBreakGlass(f)}
      OR (c.shielded AND ${sealHolder(f)})
      OR (NOT c.shielded AND (
        ${ownInvolvement(f)} OR ${teamInvolvement(f)}
        OR (${mash} AND c.responsible_council_id = ${viewer.organisationId}::uuid))))
    ORDER BY c.id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => r.id);
}
