import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Logger } from '../platform/logging/logger.js';
import type { Clock } from '../platform/time/clock.js';
import { registerErrorHandling } from '../platform/http/error-handler.js';
import { problemSchema } from '../platform/http/problem.js';
import { registerRouteAccess } from '../platform/http/route-access.js';
import { registerSecurity } from '../platform/http/security.js';
import { registerStaticAssets } from '../platform/http/static-assets.js';
import { registerLoadShedding } from '../platform/http/load-shedding.js';
import { registerNulRefusal } from '../platform/http/nul-characters.js';
import { createViewEnvironment, registerViews } from '../platform/views/views.js';
import '../platform/http/request-context.js';
import { readSessionCookie, clearSessionCookie } from '../accounts/session-cookie.js';
import { registerSignInRoutes } from '../accounts/sign-in.routes.js';
import { registerOidcRoutes } from '../accounts/oidc/oidc.routes.js';
import { registerSecurityKeyRoutes } from '../accounts/security-keys.routes.js';
import { bearerToken } from '../api-clients/api-clients.service.js';
import { registerOAuthRoutes } from '../api-clients/oauth.routes.js';
import { registerOrganisationRoutes } from '../organisations/organisations.routes.js';
import { registerChildrenApiRoutes } from '../agency-api/children.api.routes.js';
import { registerInvolvementsApiRoutes } from '../agency-api/involvements.api.routes.js';
import { registerHomeRoutes } from '../home/home.routes.js';
import { registerChildPages } from '../child-pages/child-pages.routes.js';
import { registerSearchRoutes } from '../search/search.routes.js';
import { registerImportRoutes } from '../imports/imports.routes.js';
import { registerWhoLookedRoutes } from '../transparency/who-looked.routes.js';
import { registerSubjectAccessRoutes } from '../transparency/subject-access.routes.js';
import { registerOversightRoutes } from '../oversight/oversight.routes.js';
import { registerCaseViewRoutes } from '../case-view/case-view.routes.js';
import { registerBreakGlassRoutes } from '../break-glass/break-glass.routes.js';
import { registerAdministrationRoutes } from '../administration/administration.routes.js';
import { registerMatchReviewRoutes } from '../match-review/match-review.routes.js';
import { registerNotificationRoutes } from '../notifications/notifications.routes.js';
import { registerHealthRoutes } from './health.routes.js';
import { createServices } from './services.js';

export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  keys: Keyring;
  logger: Logger;
}

/** Every route the app serves, with the access rule it declared; for the deny-by-default test. */
export interface RouteEntry {
  method: string;
  url: string;
  access: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/**
 * The composition root: wires services by hand and returns a ready Fastify instance. It never
 * listens; `server.ts`, the CLI and every test call it.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, clock, keys, logger } = deps;

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger, // eslint-disable-line @typescript-eslint/no-unnecessary-type-assertion -- pino's Logger is wider than Fastify's base logger type
    // Accept a caller's request id only if it looks like one, so logs cannot be forged through it.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  });

  app.decorate('routeTable', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Read `access` lazily: plugins' own onRoute hooks (e.g. static assets) run after this one.
    for (const method of methods) {
      app.routeTable.push({
        method,
        url: route.url,
        get access() {
          return route.config?.access;
        },
      });
    }
  });
  app.addHook('onRoute', (route) => {
    const limit = route.config?.rateLimit;
    if (!limit || typeof limit !== 'object' || typeof limit.max !== 'number') return;
    // Signed-in users and agency clients are counted once they are known (route-access's
    // preHandler runs before route-level hooks); sign-in pages count per address, on arrival.
    const known = route.config?.access === 'user' || route.config?.access === 'api-client';
    // A new object: routes may share one limit object, which must not be scaled twice.
    route.config = { ...route.config, rateLimit: { ...limit, max: limit.max * config.rateLimitFactor, ...(known ? { hook: 'preHandler' as const } : {}) } };
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Services, wired once.
  const services = createServices({ config, db, clock, keys });
  const { sessions, signIn, apiClients, organisations, childSearch, audit } = services;

  // Platform.
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  // Limits count per signed-in user or agency client, not per address: a council's staff share
  // one address behind its proxy. Callers not yet signed in count per address.
  await app.register(fastifyRateLimit, {
    global: false,
    keyGenerator: (request) => (request.user ? `user:${request.user.id}` : request.apiCaller ? `client:${request.apiCaller.clientId}` : request.ip),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Signpost API',
        version: '1',
        description: 'Multi-agency signposting for children known to services. Agency systems authenticate with OAuth 2.0 client credentials.',
      },
      components: {
        securitySchemes: {
          clientCredentials: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } } },
        },
      },
    },
  });
  app.addSchema(problemSchema);
  registerSecurity(app, config);
  registerViews(app, createViewEnvironment());
  registerErrorHandling(app);
  registerLoadShedding(app, { maxInFlight: config.maxInFlight, exempt: ['/healthz'] });
  registerRouteAccess(app, {
    loadSession: async (request, reply) => {
      const loaded = await sessions.load(readSessionCookie(request, config));
      if (!loaded && readSessionCookie(request, config)) clearSessionCookie(reply, config);
      request.session = loaded?.session ?? null;
      request.user = loaded?.user ?? null;
    },
    apiCaller: (request) => apiClients.callerFor(bearerToken(request.headers.authorization)),
  });
  // After route access: an agency system without a token gets its 401 first, as for any bad input.
  registerNulRefusal(app);
  await registerStaticAssets(app);

  // Domains.
  registerHealthRoutes(app, { db });
  registerSignInRoutes(app, { config, signIn, sessions });
  if (services.oidcSignIn) registerOidcRoutes(app, { config, oidcSignIn: services.oidcSignIn, sessions });
  registerSecurityKeyRoutes(app, { securityKeys: services.securityKeys });
  registerHomeRoutes(app);
  registerOAuthRoutes(app, { apiClients });
  registerOrganisationRoutes(app, { organisations });
  registerChildrenApiRoutes(app, { childRecords: services.childRecords, agencyApi: services.agencyApi });
  registerInvolvementsApiRoutes(app, { agencyApi: services.agencyApi });
  registerSearchRoutes(app, { search: childSearch, audit });

  registerWhoLookedRoutes(app, { whoLooked: services.whoLooked });
  registerSubjectAccessRoutes(app, { subjectAccess: services.subjectAccess });
  registerOversightRoutes(app, { oversight: services.oversight });
  registerAdministrationRoutes(app, { administration: services.administration });
  registerMatchReviewRoutes(app, { matchReview: services.matchReview });
  registerChildPages(app, { childRecords: services.childRecords, organisations, users: services.users });
  registerCaseViewRoutes(app, { caseView: services.caseView });
  registerBreakGlassRoutes(app, { breakGlass: services.breakGlass, signIn, hours: config.breakGlassHours });
  registerNotificationRoutes(app, { notifications: services.notifications });

  await registerImportRoutes(app, { imports: services.imports });

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await app.ready();
  return app;
}
