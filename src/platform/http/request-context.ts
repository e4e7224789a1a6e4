/**
 * What a request carries once the platform hooks have run. Declared once here so routes can rely
 * on it with types.
 */

/** How a route may be reached. Every route declares one; a route without one is refused. */
export type RouteAccess =
  /** Anyone, signed in or not (sign-in pages, health, OpenAPI, assets). */
  | 'public'
  /** A user part-way through sign-in (MFA enrolment or challenge). */
  | 'mfa'
  /** A signed-in user who has completed MFA and whose vetting is current. */
  | 'user'
  /** An agency system holding a bearer token from `POST /oauth/token`. */
  | 'api-client'
  /** The OAuth token endpoint: the client authenticates itself with its id and secret. */
  | 'oauth-client';

export interface SignedInUser {
  id: string;
  email: string;
  displayName: string;
  role: string;
  organisationId: string;
  organisationName: string;
  /** Vetting items that lapse within the warning window, for a banner. */
  vettingWarnings: string[];
}

export interface ApiCaller {
  clientId: string;
  organisationId: string;
  /** The source systems this client may send records as (see `signpost clients add --source-system`). */
  sourceSystems: readonly string[];
}

export interface SessionState {
  idHash: Buffer;
  stage: 'mfa_enrolment' | 'mfa_challenge' | 'active';
  csrfToken: string;
  userId: string;
  /** When this session reached its stage: for an active session, when its second factor was given. */
  startedAt: Date;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    cspNonce: string;
    /** Double-submit CSRF token for forms shown before sign-in (set as a cookie). */
    anonymousCsrf: string;
    session: SessionState | null;
    user: SignedInUser | null;
    apiCaller: ApiCaller | null;
  }
  interface FastifyReply {
    renderPage(template: string, context?: Record<string, unknown>): FastifyReply;
  }
}
