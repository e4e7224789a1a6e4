import type { FastifyRequest } from 'fastify';
import { viewerForApiClient, type Viewer } from '../access/viewer.js';
import { DomainError } from '../platform/http/errors.js';

/**
 * The agency system behind a request to an `api-client` route. The route-access hook has already
 * refused a request without a valid token; this only makes that fact visible to the type checker.
 */
export function apiViewer(request: FastifyRequest): Viewer {
  if (!request.apiCaller) throw new DomainError('invalid-token', 401, 'Send a valid bearer token from POST /oauth/token.');
  return viewerForApiClient(request.apiCaller);
}
