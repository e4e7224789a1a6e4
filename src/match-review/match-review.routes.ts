import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import { viewerForUser } from '../access/viewer.js';
import { COMPARISON_WORDS, LEVEL_WORDS, STATUS_WORDS } from './match-review.words.js';
import { errorList, fieldText, itemIdFrom, pageFrom, queueOrderFrom } from './match-review.forms.js';
import type { MatchReviewService } from './match-review.service.js';

/**
 * The match review pages for council MASH officers and administrators: the queue (oldest first),
 * the side-by-side comparison with its decision form, undoing a merge, and the match-rate
 * dashboard. Routes read input and render; the service applies the access rules (src/access) and
 * audits. Every route declares `access: 'user'`; anyone signed in but not a reviewer gets the 404.
 */
export function registerMatchReviewRoutes(app: FastifyInstance, deps: { matchReview: MatchReviewService }): void {
  const { matchReview } = deps;

  app.get('/match-review', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await matchReview.enter(viewer, 'match review queue', request.id);
    const page = pageFrom(request.query);
    const order = queueOrderFrom(request.query);
    const { items, hasNext } = await matchReview.queue(viewer, page, order);
    return reply.renderPage('match-review/views/queue.njk', { items: items.map((i) => ({ ...i, statusText: STATUS_WORDS[i.status] })), page, hasNext, order });
  });

  app.get('/match-review/match-rate', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await matchReview.enter(viewer, 'match-rate dashboard', request.id);
    return reply.renderPage('match-review/views/match-rate.njk', { figures: await matchReview.matchRate(viewer) });
  });

  const comparePage = async (request: FastifyRequest, itemId: number, form: { values: Record<string, string>; fieldErrors: Record<string, string> }) => {
    const comparison = await matchReview.compare(viewerForUser(request.user!), itemId, request.id);
    return {
      ...comparison,
      item: { ...comparison.item, statusText: STATUS_WORDS[comparison.item.status] },
      contributions: comparison.item.contributions.map((c) => ({ ...c, label: COMPARISON_WORDS[c.comparison] ?? c.comparison, levelText: LEVEL_WORDS[c.level] ?? c.level.replaceAll('_', ' ') })),
      decided: fieldText(request.query, 'decided'),
      values: form.values,
      fieldErrors: form.fieldErrors,
      errors: errorList(form.fieldErrors),
    };
  };

  app.get('/match-review/:id', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await matchReview.enter(viewer, 'match review item', request.id);
    const itemId = itemIdFrom(request.params);
    if (itemId === null) throw new NotFoundError();
    return reply.renderPage('match-review/views/compare.njk', await comparePage(request, itemId, { values: {}, fieldErrors: {} }));
  });

  app.post('/match-review/:id', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await matchReview.enter(viewer, 'match review decision', request.id);
    const itemId = itemIdFrom(request.params);
    if (itemId === null) throw new NotFoundError();
    const values = { decision: fieldText(request.body, 'decision'), reason: fieldText(request.body, 'reason') };
    try {
      await matchReview.decide(viewer, itemId, values, request.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).renderPage('match-review/views/compare.njk', await comparePage(request, itemId, { values, fieldErrors: { ...error.fields } }));
    }
    // Post/redirect/get: a refresh does not post the decision again.
    return reply.redirect(`/match-review/${String(itemId)}?decided=${values.decision}`, 303);
  });

  app.post('/match-review/:id/unmerge', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerForUser(request.user!);
    await matchReview.enter(viewer, 'match review: separate records', request.id);
    const itemId = itemIdFrom(request.params);
    if (itemId === null) throw new NotFoundError();
    const values = { unmergeReason: fieldText(request.body, 'unmergeReason') };
    try {
      await matchReview.unmerge(viewer, itemId, { reason: values.unmergeReason }, request.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.code(400).renderPage('match-review/views/compare.njk', await comparePage(request, itemId, { values, fieldErrors: { ...error.fields } }));
    }
    return reply.redirect(`/match-review/${String(itemId)}?decided=separated`, 303);
  });
}
