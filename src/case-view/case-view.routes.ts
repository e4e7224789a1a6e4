import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { viewerForUser } from '../access/viewer.js';
import type { SignedInUser } from '../platform/http/request-context.js';
import type { CaseView, CaseViewService } from './case-view.service.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
type IdParamsType = Static<typeof IdParams>;
const CaseForm = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

/**
 * The case view and "Children you work with". The service decides (one rule) and audits; a child
 * the viewer may not open is the same 404 as a child that does not exist.
 */
export function registerCaseViewRoutes(app: FastifyInstance, deps: { caseView: CaseViewService }): void {
  const render = (reply: FastifyReply, view: CaseView) => {
    const given = view.child.identity.givenNames ? `${view.child.identity.givenNames} ` : '';
    return reply.renderPage('case-view/views/case.njk', { ...view, name: `${given}${view.child.identity.familyName}` });
  };
  const open = (user: SignedInUser, id: string, reason: string | null, requestId: string) => deps.caseView.open(viewerForUser(user), id, reason, requestId);

  app.get('/children/mine', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const children = await deps.caseView.mine(viewerForUser(request.user!), request.id);
    return reply.renderPage('case-view/views/mine.njk', { children });
  });

  app.get<{ Params: IdParamsType }>('/children/:id/case', { config: { access: 'user', rateLimit: { max: 300, timeWindow: '1 minute' } }, schema: { params: IdParams, hide: true } }, async (request, reply) => {
    return render(reply, await open(request.user!, request.params.id, null, request.id));
  });

  app.post<{ Params: IdParamsType; Body: Static<typeof CaseForm> }>(
    '/children/:id/case',
    { config: { access: 'user', rateLimit: { max: 300, timeWindow: '1 minute' } }, schema: { params: IdParams, body: CaseForm, hide: true } },
    async (request, reply) => render(reply, await open(request.user!, request.params.id, request.body.reason ?? null, request.id)),
  );
}
