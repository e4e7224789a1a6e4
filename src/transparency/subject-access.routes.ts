import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ValidationError } from '../platform/http/errors.js';
import { viewerForUser } from '../access/viewer.js';
import type { SubjectAccessService } from './subject-access.service.js';

const Params = Type.Object({ childId: Type.String({ maxLength: 100 }) });
const EntryId = Type.String({ pattern: '^[0-9]{1,15}$' });
const Body = Type.Object(
  {
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
    withhold: Type.Optional(Type.Union([EntryId, Type.Array(EntryId, { maxItems: 5000 })])),
    withheldReason: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const ACTION_WORDS: Record<string, string> = {
  view: 'Looked at the record', create: 'Created the record', update: 'Changed the record', export: 'Produced a report or export',
  message: 'Sent a message', break_glass: 'Used emergency access',
};

/** The information-governance officer's subject access page: review, withhold, produce the PDF. */
export function registerSubjectAccessRoutes(app: FastifyInstance, deps: { subjectAccess: SubjectAccessService }): void {
  const page = async (viewer: ReturnType<typeof viewerForUser>, childId: string, requestId: string, fieldErrors: Record<string, string> = {}) => {
    const entries = await deps.subjectAccess.entries(viewer, childId, requestId);
    return {
      childId,
      entries: entries.map((e) => ({ ...e, actionText: ACTION_WORDS[e.action] ?? e.action })),
      fieldErrors,
      errors: Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` })),
    };
  };

  app.get<{ Params: Static<typeof Params> }>(
    '/children/:childId/subject-access',
    { config: { access: 'user' }, schema: { params: Params, hide: true } },
    async (request, reply) => reply.renderPage('transparency/views/subject-access.njk', await page(viewerForUser(request.user!), request.params.childId, request.id)),
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    '/children/:childId/subject-access',
    { config: { access: 'user' }, schema: { params: Params, body: Body, hide: true } },
    async (request, reply) => {
      const viewer = viewerForUser(request.user!);
      const withhold = request.body.withhold === undefined ? [] : [request.body.withhold].flat();
      try {
        const { pdf, fileName } = await deps.subjectAccess.produce(viewer, request.params.childId, { entryIds: withhold.map(Number), reason: request.body.withheldReason ?? '' }, request.id);
        return await reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `attachment; filename="${fileName}"`)
          .header('cache-control', 'no-store')
          .send(Buffer.from(pdf));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return reply.code(400).renderPage('transparency/views/subject-access.njk', await page(viewer, request.params.childId, request.id, { ...error.fields }));
      }
    },
  );
}
