import type { FastifyInstance } from 'fastify';

export function registerHomeRoutes(app: FastifyInstance): void {
  app.get('/', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    return reply.renderPage('home/views/home.njk', { user: request.user });
  });
}
