import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { randomToken, safeEqual } from '../crypto/tokens.js';
import { ForbiddenError } from './errors.js';

export const CSRF_COOKIE = 'signpost_csrf';

/**
 * Strict security headers on every response, a fresh CSP nonce per request (GOV.UK Frontend's
 * template needs one inline script), and CSRF protection for every form post: the token is the
 * session's own, or a double-submit cookie before sign-in.
 */
export function registerSecurity(app: FastifyInstance, config: Config): void {
  app.decorateRequest('cspNonce', '');
  app.decorateRequest('anonymousCsrf', '');

  app.addHook('onRequest', async (request, reply) => {
    request.cspNonce = randomBytes(16).toString('base64');
    const existing = request.cookies[CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) {
      request.anonymousCsrf = existing;
    } else {
      request.anonymousCsrf = randomToken();
      reply.setCookie(CSRF_COOKIE, request.anonymousCsrf, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secureCookies,
      });
    }
    reply.headers({
      'content-security-policy': [
        "default-src 'self'",
        `script-src 'self' 'nonce-${request.cspNonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      // Pages hold personal data: never keep them in a shared or browser cache.
      'cache-control': 'no-store',
      ...(config.secureCookies ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
    });
  });
}

/** Refuses a form post whose `_csrf` field does not match the session's (or pre-sign-in) token. */
export function assertCsrf(request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | undefined;
  const sent = typeof body?.['_csrf'] === 'string' ? body['_csrf'] : '';
  const expected = request.session?.csrfToken ?? request.cookies[CSRF_COOKIE] ?? '';
  if (!expected || !safeEqual(sent, expected)) {
    throw new ForbiddenError('This form has expired. Go back, refresh the page and try again.');
  }
}
