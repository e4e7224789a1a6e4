import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../platform/config/config.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';
import type { SessionsService } from './sessions.service.js';
import type { SignInService } from './sign-in.service.js';

const PasswordForm = Type.Object(
  { _csrf: Type.Optional(Type.String({ maxLength: 200 })), email: Type.Optional(Type.String({ maxLength: 320 })), password: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
const CodeForm = Type.Object(
  { _csrf: Type.Optional(Type.String({ maxLength: 200 })), code: Type.Optional(Type.String({ maxLength: 20 })) },
  { additionalProperties: false },
);


const errorList = (fieldErrors: Record<string, string>) =>
  Object.entries(fieldErrors).map(([field, text]) => ({ text, href: `#${field}` }));

export function registerSignInRoutes(
  app: FastifyInstance,
  deps: { config: Config; signIn: SignInService; sessions: SessionsService },
): void {
  const { config, signIn, sessions } = deps;
  const signInRateLimit = { max: config.signIn.attemptsPerMinute, timeWindow: '1 minute' };

  app.get('/sign-in', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (request.user) return reply.redirect('/');
    return reply.renderPage('accounts/views/sign-in.njk', { values: {}, fieldErrors: {} });
  });

  app.post<{ Body: Static<typeof PasswordForm> }>(
    '/sign-in',
    { config: { access: 'public', rateLimit: signInRateLimit }, schema: { body: PasswordForm, hide: true } },
    async (request, reply) => {
      const email = (request.body.email ?? '').trim();
      const password = request.body.password ?? '';
      const fieldErrors: Record<string, string> = {};
      if (!email) fieldErrors.email = 'Enter your work email address';
      if (!password) fieldErrors.password = 'Enter your password';
      if (Object.keys(fieldErrors).length === 0) {
        const outcome = await signIn.checkPassword(email, password);
        if (outcome.ok) {
          if (request.session) await sessions.end(request.session);
          setSessionCookie(reply, config, await sessions.start(outcome.userId, outcome.next));
          return reply.redirect(outcome.next === 'mfa_enrolment' ? '/sign-in/mfa/setup' : '/sign-in/mfa', 303);
        }
        fieldErrors.email = outcome.message;
      }
      return reply.code(400).renderPage('accounts/views/sign-in.njk', { values: { email }, fieldErrors, errors: errorList(fieldErrors) });
    },
  );

  app.get('/sign-in/mfa', { config: { access: 'mfa' }, schema: { hide: true } }, async (request, reply) => {
    if (request.session?.stage === 'mfa_enrolment') return reply.redirect('/sign-in/mfa/setup');
    return reply.renderPage('accounts/views/mfa-challenge.njk', { fieldErrors: {} });
  });

  app.post<{ Body: Static<typeof CodeForm> }>(
    '/sign-in/mfa',
    { config: { access: 'mfa', rateLimit: signInRateLimit }, schema: { body: CodeForm, hide: true } },
    async (request, reply) => {
      const session = request.session!;
      if (session.stage !== 'mfa_challenge') return reply.redirect('/sign-in/mfa/setup', 303);
      const code = (request.body.code ?? '').trim();
      const outcome = code ? await signIn.checkCode(session.userId, code) : { ok: false as const, message: 'Enter the 6-digit code from your authenticator app' };
      if (outcome.ok) {
        setSessionCookie(reply, config, await sessions.rotate(session, 'active'));
        return reply.redirect('/', 303);
      }
      const fieldErrors = { code: outcome.message };
      return reply.code(400).renderPage('accounts/views/mfa-challenge.njk', { fieldErrors, errors: errorList(fieldErrors) });
    },
  );

  app.get('/sign-in/mfa/setup', { config: { access: 'mfa' }, schema: { hide: true } }, async (request, reply) => {
    if (request.session?.stage === 'mfa_challenge') return reply.redirect('/sign-in/mfa');
    const enrolment = await signIn.enrolment(request.session!.userId);
    return reply.renderPage('accounts/views/mfa-setup.njk', { ...enrolment, fieldErrors: {} });
  });

  app.post<{ Body: Static<typeof CodeForm> }>(
    '/sign-in/mfa/setup',
    { config: { access: 'mfa', rateLimit: signInRateLimit }, schema: { body: CodeForm, hide: true } },
    async (request, reply) => {
      const session = request.session!;
      if (session.stage !== 'mfa_enrolment') return reply.redirect('/sign-in/mfa', 303);
      const code = (request.body.code ?? '').trim();
      const outcome = code ? await signIn.confirmEnrolment(session.userId, code) : { ok: false as const, message: 'Enter the 6-digit code from your authenticator app' };
      if (outcome.ok) {
        setSessionCookie(reply, config, await sessions.rotate(session, 'active'));
        return reply.redirect('/', 303);
      }
      const fieldErrors = { code: outcome.message };
      const enrolment = await signIn.enrolment(session.userId);
      return reply.code(400).renderPage('accounts/views/mfa-setup.njk', { ...enrolment, fieldErrors, errors: errorList(fieldErrors) });
    },
  );

  app.post('/sign-out', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (request.session) await sessions.end(request.session);
    clearSessionCookie(reply, config);
    return reply.redirect('/signed-out', 303);
  });

  app.get('/signed-out', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    return reply.renderPage('accounts/views/signed-out.njk', {});
  });
}
