import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { sendProblem } from '../platform/http/error-handler.js';
import type { ApiClientsService } from './api-clients.service.js';

const TokenRequest = Type.Object(
  {
    grant_type: Type.String({ maxLength: 100, description: 'Must be client_credentials' }),
    client_id: Type.Optional(Type.String({ maxLength: 100 })),
    client_secret: Type.Optional(Type.String({ maxLength: 200 })),
    scope: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the token expires' }),
});

/** Client id and secret from HTTP Basic (preferred by RFC 6749 §2.3.1) or the form body. */
function clientCredentials(request: FastifyRequest<{ Body: Static<typeof TokenRequest> }>): { id: string; secret: string } | null {
  const basic = /^Basic\s+([A-Za-z0-9+/]+=*)$/i.exec(request.headers.authorization ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    return null;
  }
  const { client_id: id, client_secret: secret } = request.body;
  return id && secret ? { id, secret } : null;
}

/** RFC 6749 error codes, carried as extension members of a problem+json body. */
function oauthError(request: FastifyRequest, reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="signpost"');
  return sendProblem(request, reply, { status, code: error, detail: description, error, error_description: description });
}

export function registerOAuthRoutes(app: FastifyInstance, deps: { apiClients: ApiClientsService }): void {
  app.post<{ Body: Static<typeof TokenRequest> }>(
    '/oauth/token',
    {
      config: { access: 'oauth-client', rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['authentication'],
        summary: 'Get a bearer token for an agency system (OAuth 2.0 client credentials)',
        consumes: ['application/x-www-form-urlencoded'],
        body: TokenRequest,
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (request.body.grant_type !== 'client_credentials') {
        return oauthError(request, reply, 400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
      }
      const credentials = clientCredentials(request);
      if (!credentials) {
        return oauthError(request, reply, 401, 'invalid_client', 'Send the client id and secret with HTTP Basic authentication or as client_id and client_secret.');
      }
      const token = await deps.apiClients.issueToken(credentials.id, credentials.secret);
      if (!token) return oauthError(request, reply, 401, 'invalid_client', 'The client id or secret is wrong, or the client has been disabled.');
      return { access_token: token.accessToken, token_type: 'Bearer' as const, expires_in: token.expiresIn };
    },
  );
}
