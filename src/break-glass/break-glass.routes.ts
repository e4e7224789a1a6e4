import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { viewerForUser } from '../access/viewer.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import { isUuid } from '../involvements/field-errors.js';
import type { SignInService } from '../accounts/sign-in.service.js';
import { BREAK_GLASS_REASONS, type BreakGlassService } from './break-glass.service.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
type IdParamsType = Static<typeof IdParams>;
const short = (max: number) => Type.Optional(Type.String({ maxLength: max }));
/** `credential`: a security key's answer (JSON), filled in by /public/security-key.js instead of a code. */
const BreakGlassForm = Type.Object({ _csrf: short(200), reasonCode: short(50), reasonText: short(2000), code: short(20), credential: short(20_000) }, { additionalProperties: false });
type BreakGlassFormBody = Static<typeof BreakGlassForm>;

/**
 * Break-glass: the request form and the grant. Its review is the alert it raises, worked in the
 * oversight alert queue (/oversight/alerts) by the child's council's information-governance officers.
 */
export function registerBreakGlassRoutes(app: FastifyInstance, deps: { breakGlass: BreakGlassService; signIn: SignInService; hours: number }): void {
  // A person with a security key is offered it instead of a code: a fresh challenge with each form.
  const page = async (request: FastifyRequest, reply: FastifyReply, childId: string, values: BreakGlassFormBody, fieldErrors: Record<string, string>) =>
    reply.renderPage('break-glass/views/break-glass.njk', {
      childId, reasons: BREAK_GLASS_REASONS, hours: deps.hours, values: { reasonCode: values.reasonCode, reasonText: values.reasonText }, fieldErrors,
      errors: Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` })),
      securityKeyOptions: await deps.signIn.securityKeyOptions(request.session!),
    });
  const childIdFrom = (id: string) => {
    if (!isUuid(id)) throw new NotFoundError('No child with this reference');
    return id.toLowerCase();
  };

  app.get<{ Params: IdParamsType }>('/children/:id/break-glass', { config: { access: 'user' }, schema: { params: IdParams, hide: true } }, async (request, reply) => {
    return page(request, reply, childIdFrom(request.params.id), {}, {});
  });

  app.post<{ Params: IdParamsType; Body: BreakGlassFormBody }>(
    '/children/:id/break-glass',
    { config: { access: 'user', rateLimit: { max: 10, timeWindow: '1 minute' } }, schema: { params: IdParams, body: BreakGlassForm, hide: true } },
    async (request, reply) => {
      const childId = childIdFrom(request.params.id);
      const body = request.body;
      try {
        const input = { reasonCode: body.reasonCode ?? '', reasonText: body.reasonText ?? '', code: body.code ?? '', credential: body.credential ?? '' };
        await deps.breakGlass.grant(viewerForUser(request.user!), childId, input, request.id, request.session);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return page(request, reply.code(400), childId, body, { ...error.fields });
      }
      return reply.redirect(`/children/${childId}/case`, 303);
    },
  );
}
