import type { FastifyInstance } from 'fastify';
import { ValidationError, NotFoundError } from '../platform/http/errors.js';
import { viewerForUser } from '../access/viewer.js';
import { AUDIT_ACTIONS } from '../audit/audit-entry.js';
import { errorList, pageFrom, parseAuditSearch, parseStatusFilter, queryForPages, fieldText } from './oversight.forms.js';
import { ALERT_STATUSES, REVIEW_OUTCOMES, type OversightService } from './oversight.service.js';

/** How the tables word an action. */
const ACTION_WORDS: Record<string, string> = {
  sign_in: 'Signed in', sign_in_failed: 'Sign-in failed', sign_out: 'Signed out', search: 'Searched', view: 'Looked',
  create: 'Created', update: 'Changed', import: 'Imported', export: 'Exported', message: 'Sent a message', break_glass: 'Used emergency access',
};
const STATUS_WORDS: Record<string, string> = { open: 'Open', appropriate: 'Appropriate', inappropriate: 'Inappropriate', escalated: 'Escalated' };

const ALERT_ID = /^[0-9]{1,15}$/;

/**
 * The information-governance workspace: audit search, alert queue, alert review. Routes only read
 * input and render; the service decides who may use them (one rule, `mayUseOversight`) and records
 * every look. Nothing here has a request schema on purpose (see oversight.forms.ts).
 */
export function registerOversightRoutes(app: FastifyInstance, deps: { oversight: OversightService }): void {
  const { oversight } = deps;
  const withWords = <T extends { action: string }>(rows: T[]) => rows.map((r) => ({ ...r, actionText: ACTION_WORDS[r.action] ?? r.action }));

  app.get('/oversight', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await oversight.enter(viewer, 'audit search', request.id);
    const { search, values, fieldErrors } = parseAuditSearch(request.query);
    const page = (rows: unknown, hasNext: boolean, errors: Record<string, string>, upTo?: number) => ({
      values, actions: AUDIT_ACTIONS.map((a) => ({ value: a, text: ACTION_WORDS[a] ?? a })), rows, hasNext, page: search.page,
      pageQuery: queryForPages(request.query, upTo === undefined ? {} : { upto: String(upTo) }), fieldErrors: errors, errors: errorList(errors),
    });
    if (Object.keys(fieldErrors).length > 0) return reply.code(400).renderPage('oversight/views/audit-search.njk', page(null, false, fieldErrors));
    try {
      const found = await oversight.searchAudit(viewer, search, request.id);
      return await reply.renderPage('oversight/views/audit-search.njk', page(withWords(found.rows), found.hasNext, {}, found.upTo));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).renderPage('oversight/views/audit-search.njk', page(null, false, { ...error.fields }));
    }
  });

  app.get('/oversight/alerts', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await oversight.enter(viewer, 'alert queue', request.id);
    const filter = parseStatusFilter(request.query);
    const statuses = [{ value: 'all', text: 'All' }, ...ALERT_STATUSES.map((s) => ({ value: s, text: STATUS_WORDS[s] ?? s }))]
      .map((s) => ({ ...s, selected: s.value === filter.value }));
    if (filter.error) {
      const fieldErrors = { status: filter.error };
      return reply.code(400).renderPage('oversight/views/alerts.njk', { statuses, alerts: null, fieldErrors, errors: errorList(fieldErrors) });
    }
    const pageNumber = pageFrom(request.query);
    const { alerts, hasNext } = await oversight.alertQueue(viewer, { status: filter.status, page: pageNumber }, request.id);
    return reply.renderPage('oversight/views/alerts.njk', {
      statuses, alerts: alerts.map((a) => ({ ...a, statusText: STATUS_WORDS[a.status] ?? a.status })), hasNext, page: pageNumber,
      pageQuery: queryForPages(request.query), fieldErrors: {}, errors: [],
    });
  });

  const alertPage = async (request: { user: Parameters<typeof viewerForUser>[0]; id: string; params: unknown; query: unknown }, form: { values: Record<string, string>; fieldErrors: Record<string, string> }) => {
    const viewer = viewerForUser(request.user);
    const rawId = fieldText(request.params, 'id');
    await oversight.enter(viewer, ALERT_ID.test(rawId) ? `alert ${rawId}` : 'alert (not a reference)', request.id);
    if (!ALERT_ID.test(rawId)) throw new NotFoundError();
    const alert = await oversight.alert(viewer, Number(rawId), request.id);
    return {
      alert: { ...alert, statusText: STATUS_WORDS[alert.status] ?? alert.status, entries: withWords(alert.entries) },
      outcomes: REVIEW_OUTCOMES,
      reviewed: fieldText(request.query, 'reviewed') === '1',
      values: form.values,
      fieldErrors: form.fieldErrors,
      errors: errorList(form.fieldErrors),
    };
  };

  app.get('/oversight/alerts/:id', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    return reply.renderPage('oversight/views/alert.njk', await alertPage({ user: request.user!, id: request.id, params: request.params, query: request.query }, { values: {}, fieldErrors: {} }));
  });

  app.post('/oversight/alerts/:id', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    const rawId = fieldText(request.params, 'id');
    await oversight.enter(viewer, ALERT_ID.test(rawId) ? `review of alert ${rawId}` : 'review of alert (not a reference)', request.id);
    if (!ALERT_ID.test(rawId)) throw new NotFoundError();
    const values = { outcome: fieldText(request.body, 'outcome'), note: fieldText(request.body, 'note') };
    try {
      await oversight.review(viewer, Number(rawId), values, request.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const context = await alertPage({ user: request.user!, id: request.id, params: request.params, query: request.query }, { values, fieldErrors: { ...error.fields } });
      return reply.code(400).renderPage('oversight/views/alert.njk', context);
    }
    // Post/redirect/get: a refresh does not post the review again.
    return reply.redirect(`/oversight/alerts/${rawId}?reviewed=1`, 303);
  });
}
