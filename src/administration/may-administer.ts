/**
 * Who may administer whose account (issue 4 item 6). A council administrator administers the
 * accounts of their own organisation and, when that organisation is a council, of the
 * organisations in its area (`organisations.council_id`): its schools, services and teams. Never
 * another council's, and nobody else administers anything. Deny by default.
 *
 * The list queries filter with the same rule in SQL (administration.repository.ts,
 * `administeredOrganisations`); the tests check both.
 */
export interface Administrator {
  role: string;
  organisationId: string;
  organisationKind: string;
}

export interface TargetOrganisation {
  id: string;
  councilId: string | null;
}

export const ADMINISTRATOR_ROLE = 'council_administrator';

export function mayAdminister(viewer: Administrator, target: TargetOrganisation): boolean {
  if (viewer.role !== ADMINISTRATOR_ROLE) return false;
  if (target.id === viewer.organisationId) return true;
  return viewer.organisationKind === 'council' && target.councilId !== null && target.councilId === viewer.organisationId;
}

/** Whether the person may use the administration pages at all. */
export function isAdministrator(viewer: { role: string }): boolean {
  return viewer.role === ADMINISTRATOR_ROLE;
}
