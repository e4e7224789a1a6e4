import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../platform/config/config.js';
import type { SessionsService } from '../sessions.service.js';
import { setSessionCookie } from '../session-cookie.js';
import type { OidcSignInService } from './oidc-sign-in.service.js';

/**
 * The cookie that binds a sign-in in progress to this browser. SameSite=Lax, because the provider
 * sends the browser back with a top-level GET from another site; `__Host-` over HTTPS.
 */
export function ssoCookieName(config: Config): string {
  return config.secureCookies ? '__Host-signpost_sso' : 'signpost_sso';
}

const cookieOptions = (config: Config) => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies });

const REFUSED_PAGE = 'accounts/oidc/views/sso-refused.njk';

/**
 * `GET /sign-in/sso` sends the browser to the organisation's provider; `GET /sign-in/sso/callback`
 * is where the provider sends it back. Registered only when single sign-on is configured.
 */
export function registerOidcRoutes(app: FastifyInstance, deps: { config: Config; oidcSignIn: OidcSignInService; sessions: SessionsService }): void {
  const { config, oidcSignIn, sessions } = deps;
  // Each start writes a row and each return calls the provider: limit both like the password form.
  const rateLimit = { max: config.signIn.attemptsPerMinute, timeWindow: '1 minute' };

  const refused = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).renderPage(REFUSED_PAGE, { message, reference: reply.request.id });

  app.get('/sign-in/sso', { config: { access: 'public', rateLimit }, schema: { hide: true } }, async (request, reply) => {
    if (request.user) return reply.redirect('/');
    const started = await oidcSignIn.begin();
    if (!started.ok) {
      request.log.warn({ reason: started.reason }, 'single sign-on unavailable');
      return refused(reply, 503, started.message);
    }
    reply.setCookie(ssoCookieName(config), started.browserKey, { ...cookieOptions(config), maxAge: 10 * 60 });
    return reply.redirect(started.redirectTo, 303);
  });

  app.get('/sign-in/sso/callback', { config: { access: 'public', rateLimit }, schema: { hide: true } }, async (request, reply) => {
    const browserKey = request.cookies[ssoCookieName(config)];
    reply.clearCookie(ssoCookieName(config), cookieOptions(config));
    // The query exactly as the provider sent it: openid-client checks its parameters itself.
    const queryStart = request.url.indexOf('?');
    const query = new URLSearchParams(queryStart === -1 ? '' : request.url.slice(queryStart + 1));
    const outcome = await oidcSignIn.finish(query, browserKey, request.id);
    if (!outcome.ok) {
      // The reason names the check that failed, never the person or a token value.
      request.log.warn({ reason: outcome.reason }, 'single sign-on refused');
      return refused(reply, outcome.status, outcome.message);
    }
    // A new session id for the new privilege level; any session this browser had ends (no fixation).
    if (request.session) await sessions.end(request.session);
    setSessionCookie(reply, config, await sessions.start(outcome.userId, 'active'));
    return reply.redirect('/', 303);
  });
}
