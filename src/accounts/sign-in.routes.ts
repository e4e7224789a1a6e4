import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../platform/config/config.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';
import type { SessionState } from '../platform/http/request-context.js';
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
/** The browser's WebAuthn response, as JSON in a hidden field filled in by /public/security-key.js. */
const SecurityKeyForm = Type.Object(
  { _csrf: Type.Optional(Type.String({ maxLength: 200 })), credential: Type.Optional(Type.String({ maxLength: 20_000 })) },
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
    return reply.renderPage('accounts/views/sign-in.njk', { values: {}, fieldErrors: {}, ssoEnabled: config.oidc !== undefined });
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
        const outcome = await signIn.checkPassword(email, password, request.id);
        if (outcome.ok) {
          if (request.session) await sessions.end(request.session);
          setSessionCookie(reply, config, await sessions.start(outcome.userId, outcome.next));
          return reply.redirect(outcome.next === 'mfa_enrolment' ? '/sign-in/mfa/setup' : '/sign-in/mfa', 303);
        }
        fieldErrors.email = outcome.message;
      }
      return reply.code(400).renderPage('accounts/views/sign-in.njk', { values: { email }, fieldErrors, errors: errorList(fieldErrors), ssoEnabled: config.oidc !== undefined });
    },
  );

  /**
   * The second step has two forms — a code for an enrolled user, or the first code from a newly
   * set-up app — that differ only in which check runs and which page re-shows on a wrong code. An
   * enrolled user with a security key is offered it on the same page (it needs JavaScript; the
   * code form works without).
   */
  const challengePage = async (session: SessionState) => ({
    template: 'accounts/views/mfa-challenge.njk',
    context: { securityKeyOptions: await signIn.securityKeyOptions(session) },
  });
  const secondSteps = [
    {
      url: '/sign-in/mfa',
      stage: 'mfa_challenge',
      otherUrl: '/sign-in/mfa/setup',
      check: (userId: string, code: string, requestId: string) => signIn.checkCode(userId, code, requestId),
      page: challengePage,
    },
    {
      url: '/sign-in/mfa/setup',
      stage: 'mfa_enrolment',
      otherUrl: '/sign-in/mfa',
      check: (userId: string, code: string, requestId: string) => signIn.confirmEnrolment(userId, code, requestId),
      page: async (session: SessionState) => ({ template: 'accounts/views/mfa-setup.njk', context: await signIn.enrolment(session.userId) }),
    },
  ] as const;

  for (const step of secondSteps) {
    app.get(step.url, { config: { access: 'mfa' }, schema: { hide: true } }, async (request, reply) => {
      const session = request.session!;
      if (session.stage !== step.stage) return reply.redirect(step.otherUrl);
      const { template, context } = await step.page(session);
      return reply.renderPage(template, { ...context, fieldErrors: {} });
    });

    app.post<{ Body: Static<typeof CodeForm> }>(
      step.url,
      { config: { access: 'mfa', rateLimit: signInRateLimit }, schema: { body: CodeForm, hide: true } },
      async (request, reply) => {
        const session = request.session!;
        if (session.stage !== step.stage) return reply.redirect(step.otherUrl, 303);
        const code = (request.body.code ?? '').trim();
        const outcome = code ? await step.check(session.userId, code, request.id) : { ok: false as const, message: 'Enter the 6-digit code from your authenticator app' };
        if (outcome.ok) {
          setSessionCookie(reply, config, await sessions.rotate(session, 'active'));
          return reply.redirect('/', 303);
        }
        const fieldErrors = { code: outcome.message };
        const { template, context } = await step.page(session);
        return reply.code(400).renderPage(template, { ...context, fieldErrors, errors: errorList(fieldErrors) });
      },
    );
  }

  app.post<{ Body: Static<typeof SecurityKeyForm> }>(
    '/sign-in/mfa/security-key',
    { config: { access: 'mfa', rateLimit: signInRateLimit }, schema: { body: SecurityKeyForm, hide: true } },
    async (request, reply) => {
      const session = request.session!;
      if (session.stage !== 'mfa_challenge') return reply.redirect('/sign-in/mfa/setup', 303);
      const credential = request.body.credential ?? '';
      // No response means the browser did not ask the key (cancelled, timed out, no JavaScript):
      // nothing was tried, so nothing counts toward the lockout.
      const outcome = credential
        ? await signIn.checkSecurityKey(session, credential, request.id)
        : { ok: false as const, message: 'Use your security key when your browser asks, or enter a code from your authenticator app' };
      if (outcome.ok) {
        setSessionCookie(reply, config, await sessions.rotate(session, 'active'));
        return reply.redirect('/', 303);
      }
      const fieldErrors = { 'security-key': outcome.message };
      const { template, context } = await challengePage(session);
      return reply.code(400).renderPage(template, { ...context, fieldErrors, errors: errorList(fieldErrors) });
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
