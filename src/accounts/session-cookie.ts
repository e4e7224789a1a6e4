import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../platform/config/config.js';

/**
 * The session cookie. Over HTTPS it uses the `__Host-` prefix, which browsers only accept when
 * Secure, host-only and path=/ — it cannot be planted by a sibling domain.
 */
export function sessionCookieName(config: Config): string {
  return config.secureCookies ? '__Host-signpost_session' : 'signpost_session';
}

export function readSessionCookie(request: FastifyRequest, config: Config): string | undefined {
  return request.cookies[sessionCookieName(config)];
}

export function setSessionCookie(reply: FastifyReply, config: Config, token: string): void {
  reply.setCookie(sessionCookieName(config), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
    // No maxAge: the cookie ends with the browser; the server enforces idle and absolute limits.
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(sessionCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies });
}
