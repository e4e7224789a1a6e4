import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { viewerForUser } from '../access/viewer.js';
import type { WhoLookedService } from './who-looked.service.js';

const Params = Type.Object({ childId: Type.String({ maxLength: 100 }) });

const ACTION_WORDS: Record<string, string> = {
  view: 'Looked at the record', create: 'Created the record', update: 'Changed the record', export: 'Exported the record',
  message: 'Sent a message', break_glass: 'Used emergency access',
};

export function registerWhoLookedRoutes(app: FastifyInstance, deps: { whoLooked: WhoLookedService }): void {
  app.get<{ Params: Static<typeof Params> }>(
    '/children/:childId/who-looked',
    { config: { access: 'user' }, schema: { params: Params, hide: true } },
    async (request, reply) => {
      const entries = await deps.whoLooked.forChild(viewerForUser(request.user!), request.params.childId, request.id);
      return reply.renderPage('transparency/views/who-looked.njk', {
        childId: request.params.childId,
        entries: entries.map((e) => ({ ...e, actionText: ACTION_WORDS[e.action] ?? e.action })),
      });
    },
  );
}
