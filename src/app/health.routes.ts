import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { pingDatabase, type Db } from '../platform/db/database.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]),
});

export function registerHealthRoutes(app: FastifyInstance, deps: { db: Db }): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['operations'], summary: 'Liveness and database reachability', response: { 200: Health, 503: Health } },
    },
    async (_request, reply) => {
      const ok = await pingDatabase(deps.db);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', database: ok ? 'ok' : 'unreachable' });
    },
  );
}
