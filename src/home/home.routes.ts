import type { FastifyInstance } from 'fastify';
import { viewerForUser } from '../access/viewer.js';
import { mayReviewMatches } from '../access/match-review-access.js';

export function registerHomeRoutes(app: FastifyInstance): void {
  app.get('/', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    // Links only: each page applies its own rule again.
    return reply.renderPage('home/views/home.njk', { user: request.user, mayReviewMatches: mayReviewMatches(viewerForUser(request.user!)).allow });
  });
}
