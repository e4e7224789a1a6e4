import type { ApiCaller, SignedInUser } from '../platform/http/request-context.js';

/**
 * Who is looking, built once per request and passed into every service call that touches a child
 * (ARCHITECTURE §3). Services decide with {@link decideChildAccess} and filter queries by it;
 * handlers never check permissions themselves.
 */
export type Viewer =
  | { kind: 'user'; userId: string; organisationId: string; role: string }
  | { kind: 'api-client'; clientId: string; organisationId: string; sourceSystems: readonly string[] };

export function viewerForUser(user: SignedInUser): Viewer {
  return { kind: 'user', userId: user.id, organisationId: user.organisationId, role: user.role };
}

export function viewerForApiClient(caller: ApiCaller): Viewer {
  return { kind: 'api-client', clientId: caller.clientId, organisationId: caller.organisationId, sourceSystems: caller.sourceSystems };
}

/** The audit's actor columns for a viewer. */
export function auditActor(viewer: Viewer): { actorUserId: string | null; actorApiClient: string | null; actorOrganisationId: string; actorRole: string | null } {
  return viewer.kind === 'user'
    ? { actorUserId: viewer.userId, actorApiClient: null, actorOrganisationId: viewer.organisationId, actorRole: viewer.role }
    : { actorUserId: null, actorApiClient: viewer.clientId, actorOrganisationId: viewer.organisationId, actorRole: 'agency_system' };
}
