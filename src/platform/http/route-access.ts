import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, NotFoundError, UnauthenticatedError } from './errors.js';
import type { ApiCaller } from './request-context.js';
import { assertCsrf } from './security.js';

/** How the platform learns who is calling; supplied by the accounts and api-clients domains. */
export interface Authenticators {
  /** Sets `request.session` and `request.user` from the session cookie (or leaves them null). */
  loadSession(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** The agency system behind a bearer token, or null when the token is missing or invalid. */
  apiCaller(request: FastifyRequest): Promise<ApiCaller | null>;
}

/**
 * Deny by default. Every route declares `config.access`; a route without one answers 404 to
 * everybody, and a test lists any such route. Sessions are loaded for page routes, bearer tokens
 * for API routes, and every form post must carry a valid CSRF token.
 */
export function registerRouteAccess(app: FastifyInstance, auth: Authenticators): void {
  app.decorateRequest('session', null);
  app.decorateRequest('user', null);
  app.decorateRequest('apiCaller', null);

  // Agency systems are authenticated before their request is validated, so a caller without a
  // token learns nothing about a route's schema from a 400. (Page routes check the session after
  // validation: some read form fields in their own preValidation hook, e.g. multipart uploads.)
  app.addHook('preValidation', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === undefined && !request.is404) throw new NotFoundError();
    if (access !== 'api-client') return;
    request.apiCaller = await auth.apiCaller(request);
    if (!request.apiCaller) {
      reply.header('www-authenticate', 'Bearer realm="signpost"');
      throw new DomainError('invalid-token', 401, 'Send a valid bearer token from POST /oauth/token.');
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) {
      // Fastify's own 404 route has no config of ours but must still answer.
      if (request.is404) return;
      throw new NotFoundError();
    }
    if (access === 'api-client' || access === 'oauth-client') return;
    await auth.loadSession(request, reply);
    if (request.method === 'POST') assertCsrf(request);
    if (access === 'mfa' && (!request.session || request.session.stage === 'active')) {
      return reply.redirect(request.session ? '/' : '/sign-in');
    }
    if (access === 'user' && !request.user) throw new UnauthenticatedError();
  });
}
