import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import { isUuid } from '../involvements/field-errors.js';
import { SIGN_IN_AGAIN, type SecurityKeysService } from './security-keys.service.js';

const short = (max: number) => Type.Optional(Type.String({ maxLength: max }));
/** `credential` is the browser's WebAuthn response as JSON, filled in by /public/security-key.js. */
const AddForm = Type.Object({ _csrf: short(200), nickname: short(200), credential: short(20_000) }, { additionalProperties: false });
const RemoveForm = Type.Object({ _csrf: short(200) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const DoneQuery = Type.Object({ done: short(20) });

const DONE: Record<string, string> = { added: 'Security key added', removed: 'Security key removed' };

const errorList = (fieldErrors: Record<string, string>) => Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` }));

/**
 * A signed-in person's own security keys: the list (with remove buttons) and the add page. Adding
 * needs JavaScript (the browser's WebAuthn API); the page says so when it is off.
 */
export function registerSecurityKeyRoutes(app: FastifyInstance, deps: { securityKeys: SecurityKeysService }): void {
  const { securityKeys } = deps;

  const listPage = async (request: FastifyRequest, reply: FastifyReply, extra: { done?: string | undefined; fieldErrors?: Record<string, string> }) => {
    const fieldErrors = extra.fieldErrors ?? {};
    return reply.renderPage('accounts/views/security-keys.njk', {
      keys: await securityKeys.list(request.user!.id),
      done: extra.done ? DONE[extra.done] : undefined,
      fieldErrors,
      errors: errorList(fieldErrors),
    });
  };

  const addPage = async (request: FastifyRequest, reply: FastifyReply, values: { nickname?: string | undefined }, fieldErrors: Record<string, string>) =>
    reply.renderPage('accounts/views/security-key-add.njk', {
      options: await securityKeys.registrationOptions(request.session!, request.user!),
      signInAgain: securityKeys.recentlySignedIn(request.session!) ? null : SIGN_IN_AGAIN,
      values,
      fieldErrors,
      errors: errorList(fieldErrors),
    });

  app.get<{ Querystring: Static<typeof DoneQuery> }>('/account/security-keys', { config: { access: 'user' }, schema: { querystring: DoneQuery, hide: true } }, async (request, reply) =>
    listPage(request, reply, { done: request.query.done }));

  app.get('/account/security-keys/add', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => addPage(request, reply, {}, {}));

  app.post<{ Body: Static<typeof AddForm> }>(
    '/account/security-keys/add',
    { config: { access: 'user', rateLimit: { max: 20, timeWindow: '1 minute' } }, schema: { body: AddForm, hide: true } },
    async (request, reply) => {
      const nickname = request.body.nickname ?? '';
      try {
        await securityKeys.add(request.session!, request.user!, { nickname, credential: request.body.credential ?? '' }, request.id);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return addPage(request, reply.code(400), { nickname }, { ...error.fields });
      }
      return reply.redirect('/account/security-keys?done=added', 303);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RemoveForm> }>(
    '/account/security-keys/:id/remove',
    { config: { access: 'user' }, schema: { params: IdParams, body: RemoveForm, hide: true } },
    async (request, reply) => {
      if (!isUuid(request.params.id)) throw new NotFoundError('No security key with this reference');
      try {
        await securityKeys.remove(request.user!, request.params.id.toLowerCase(), request.id);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return listPage(request, reply.code(400), { fieldErrors: { ...error.fields } });
      }
      return reply.redirect('/account/security-keys?done=removed', 303);
    },
  );
}
