import type { Viewer } from './viewer.js';

/**
 * What a viewer may see of one child: the single decision every view, list, API and export goes
 * through (SECURITY §1). The full rule — legitimate relationships, MASH roles, break-glass — is
 * built on this function, so the views do not change when it grows.
 */
export const CHILD_ACCESS_LEVELS = ['search_result', 'signpost', 'case'] as const;
export type ChildAccessLevel = (typeof CHILD_ACCESS_LEVELS)[number];

/** The facts about a child and this viewer the rule needs, loaded by the caller in one query. */
export interface ChildAccessFacts {
  shielded: boolean;
  /** The viewer is a named seal-holder for this child. */
  sealHolder: boolean;
  /** The child's responsible council (for the MASH role). Absent: no MASH basis. */
  responsibleCouncilId?: string;
  /** An open involvement today whose practitioner is the viewer's own practitioner record. */
  ownInvolvement?: boolean;
  /** An open involvement today whose practitioner is in the viewer's practitioner's organisation and team. */
  teamInvolvement?: boolean;
  /** A break-glass grant for this viewer and child that has not expired. */
  liveBreakGlass?: boolean;
}

/** Roles that see the case view of every child of their own council (SECURITY §1). */
export const MASH_ROLES: ReadonlySet<string> = new Set(['mash_officer']);

export interface ChildAccessDecision {
  allow: boolean;
  /** Why, in words that go into the audit entry. */
  basis: string;
  /**
   * Only the shield summary may be shown: name, sex, date of birth, reference and a route to the
   * responsible council (DOMAIN §4). Set whenever a shield applies, whatever the level.
   */
  shieldSummaryOnly: boolean;
}

/**
 * Deny by default. Search results and the signpost view need a stated reason, which the caller
 * records with the decision's basis. The case view needs a basis of its own: an active legitimate
 * relationship (own or team involvement, ending the day the involvement ends), a MASH role in the
 * child's responsible council, or a live break-glass grant; agency systems never get it. A shield
 * overrides everything except named seal-holders and break-glass: at search and signpost level it
 * narrows to the summary, at case level it refuses.
 */
export function decideChildAccess(viewer: Viewer, child: ChildAccessFacts, level: ChildAccessLevel, statedReason: string | null): ChildAccessDecision {
  const user = viewer.kind === 'user';
  const breakGlass = user && child.liveBreakGlass === true;
  const sealHolder = user && child.sealHolder;
  if (level === 'case') return decideCaseView(viewer, child);
  if (!statedReason) return { allow: false, basis: 'no reason stated', shieldSummaryOnly: child.shielded };
  if (child.shielded && sealHolder) return { allow: true, basis: 'stated reason; named seal-holder', shieldSummaryOnly: false };
  if (child.shielded && breakGlass) return { allow: true, basis: 'stated reason; break-glass', shieldSummaryOnly: false };
  if (child.shielded) return { allow: true, basis: 'stated reason; shielded, summary only', shieldSummaryOnly: true };
  return { allow: true, basis: 'stated reason', shieldSummaryOnly: false };
}

function decideCaseView(viewer: Viewer, child: ChildAccessFacts): ChildAccessDecision {
  const refuse = (basis: string): ChildAccessDecision => ({ allow: false, basis, shieldSummaryOnly: child.shielded });
  const allow = (basis: string): ChildAccessDecision => ({ allow: true, basis, shieldSummaryOnly: false });
  if (viewer.kind !== 'user') return refuse('agency systems do not get the case view');
  if (child.liveBreakGlass) return allow('break-glass');
  if (child.shielded) return child.sealHolder ? allow('named seal-holder') : refuse('shielded; not a named seal-holder');
  if (child.ownInvolvement) return allow('own involvement');
  if (child.teamInvolvement) return allow('team involvement');
  if (MASH_ROLES.has(viewer.role) && child.responsibleCouncilId !== undefined && viewer.organisationId === child.responsibleCouncilId) return allow('MASH role');
  return refuse('no legitimate relationship');
}

/**
 * Who may read the list of who looked at a child (SECURITY §2): the responsible council's staff
 * and the child's lead professional. Anyone else gets the same answer as for a missing child.
 */
export function mayReadAccessLog(viewer: Viewer, facts: { responsibleCouncilId: string; viewerIsLeadProfessional: boolean }): { allow: boolean; basis: string } {
  if (viewer.kind !== 'user') return { allow: false, basis: 'agency systems do not read access logs' };
  if (viewer.organisationId === facts.responsibleCouncilId) return { allow: true, basis: 'responsible council' };
  if (facts.viewerIsLeadProfessional) return { allow: true, basis: 'lead professional' };
  return { allow: false, basis: 'not the responsible council or lead professional' };
}

/**
 * Who may prepare a family's subject access report (SECURITY §2): the responsible council's
 * information-governance officers, who also decide what must be withheld.
 */
export function mayPrepareSubjectAccess(viewer: Viewer, facts: { responsibleCouncilId: string }): { allow: boolean; basis: string } {
  if (viewer.kind === 'user' && viewer.role === 'information_governance_officer' && viewer.organisationId === facts.responsibleCouncilId) {
    return { allow: true, basis: 'information governance, responsible council' };
  }
  return { allow: false, basis: 'not an information governance officer of the responsible council' };
}

/**
 * Who may use the oversight workspace (SECURITY §2): information-governance officers search the
 * whole audit and work their own council's alert queue. Anyone else is answered as for a page
 * that does not exist.
 */
export function mayUseOversight(viewer: Viewer): { allow: boolean; basis: string } {
  if (viewer.kind === 'user' && viewer.role === 'information_governance_officer') return { allow: true, basis: 'information governance' };
  return { allow: false, basis: 'not an information governance officer' };
}

/**
 * Whether a viewer may write records as a source system: an agency client only as the systems it
 * was registered for, so one agency cannot overwrite what another's system sent. Council staff
 * importing a file through the upload page are checked by role there, and audited.
 */
export function maySendAs(viewer: Viewer, system: string): boolean {
  return viewer.kind === 'user' || viewer.sourceSystems.includes(system);
}
