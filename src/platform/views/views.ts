import path from 'node:path';
import nunjucks from 'nunjucks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GOVUK_FRONTEND_DIR, SOURCE_DIR } from '../config/paths.js';
import { formatDate, formatDateTime, isCalendarDate } from '../time/calendar-date.js';

export const SERVICE_NAME = 'Signpost';

declare module 'fastify' {
  interface FastifyRequest {
    /** Extra values for every page this request renders, set by a domain's hook (e.g. the unread notifications count). */
    pageExtras: Record<string, unknown> | null;
  }
}

/**
 * Nunjucks with GOV.UK Frontend. Templates are looked up in `src/` (so a domain's page is
 * "accounts/views/sign-in.njk"), then the shared layouts in `platform/views/templates`, then
 * GOV.UK Frontend ("govuk/components/button/macro.njk"). Autoescaping is always on.
 */
export function createViewEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([SOURCE_DIR, path.join(SOURCE_DIR, 'platform', 'views', 'templates'), GOVUK_FRONTEND_DIR], {
      noCache: false,
    }),
    { autoescape: true, throwOnUndefined: false },
  );
  env.addFilter('govukDate', (value: unknown) => {
    if (value instanceof Date) return formatDate(value.toISOString().slice(0, 10));
    return typeof value === 'string' && isCalendarDate(value) ? formatDate(value) : '';
  });
  env.addFilter('govukDateTime', (value: unknown) => (value instanceof Date ? formatDateTime(value) : ''));
  env.addFilter('trim', trimFilter);
  return env;
}

/**
 * Nunjucks' own `trim` (a `/^\s*|\s*$/g` replace) takes time quadratic in each run of whitespace,
 * and GOV.UK Frontend's macros trim their indented output at every level of nesting: the search
 * form cost about 12 ms of CPU a render, most of it in that expression. `String.prototype.trim`
 * removes the same characters (`\s` is WhiteSpace and LineTerminator, as `trim` is) in one pass.
 * Text marked safe stays safe, as with the filter it replaces; anything else but text is left as it is.
 */
function trimFilter(value: unknown): unknown {
  const { SafeString } = nunjucks.runtime;
  if (value instanceof SafeString) return new SafeString(value.val.trim());
  return typeof value === 'string' ? value.trim() : value;
}

/** The values every page needs: the user for the header, the CSP nonce, the CSRF token. */
function pageContext(request: FastifyRequest): Record<string, unknown> {
  return {
    serviceName: SERVICE_NAME,
    cspNonce: request.cspNonce,
    csrfToken: request.session?.csrfToken ?? request.anonymousCsrf,
    currentUser: request.user,
    currentPath: request.url.split('?')[0],
    ...request.pageExtras,
  };
}

export function registerViews(app: FastifyInstance, env: nunjucks.Environment): void {
  app.decorateRequest('pageExtras', null);
  app.decorateReply('renderPage', function renderPage(this: FastifyReply, template: string, context: Record<string, unknown> = {}) {
    const html = env.render(template, { ...pageContext(this.request), ...context });
    return this.type('text/html; charset=utf-8').send(html);
  });
}
