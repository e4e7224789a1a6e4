import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './errors.js';
import { PROBLEM_CONTENT_TYPE, titleFor, type Problem } from './problem.js';

/** API-style requests get problem+json; everything else a GOV.UK page. */
export function wantsJson(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/api/') || path.startsWith('/oauth/') || path === '/openapi.json' || path === '/healthz') return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('json') && !accept.includes('text/html');
}

/** PostgreSQL/pg failures that mean "the database is not there right now". */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'];
  if (e.code && codes.includes(e.code)) return true;
  // pg's own messages carry no code: a pool wait or connect that timed out, a socket that closed,
  // and a transaction's next query (or its ROLLBACK) on a connection that died under it.
  return typeof e.message === 'string' && /timeout exceeded when trying to connect|Connection terminated|connection error and is not queryable/i.test(e.message);
}

interface Resolved {
  status: number;
  code: string;
  detail: string;
  errors?: Record<string, string>;
}

/** Fastify's own 4xx messages are generic, but a JSON syntax error can quote the body. */
const SAFE_FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not supported. Send application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send a JSON object.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the body.',
  FST_ERR_BAD_URL: 'The address is not valid.',
};

function resolve(error: FastifyError | DomainError | Error): Resolved {
  if (error instanceof DomainError) {
    return { status: error.status, code: error.code, detail: error.message, errors: { ...error.fields } };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors: Record<string, string> = {};
    const context: string | undefined = fastifyError.validationContext;
    for (const issue of fastifyError.validation) {
      const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.') || (issue.params as { missingProperty?: string }).missingProperty || context || 'request';
      errors[field] ??= issue.message ?? 'is not valid';
    }
    return { status: 400, code: 'validation-failed', detail: 'The request is not valid: check the fields listed.', errors };
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, code: 'invalid-json', detail: SAFE_FRAMEWORK_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY! };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, code: 'database-unavailable', detail: 'The database is not reachable. Try again in a minute.' };
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify errors always carry a code; other libraries' 4xx errors may not.
    const code = (fastifyError.code as string | undefined) ?? 'bad-request';
    return { status, code: code.toLowerCase(), detail: SAFE_FRAMEWORK_MESSAGES[code] ?? titleFor(status) };
  }
  return { status: 500, code: 'internal-error', detail: 'Something went wrong on our side. It has been logged; try again.' };
}

/** What may be logged of an error: never PostgreSQL's `detail`, which quotes row values. */
export function loggableError(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; code?: string; message?: string; stack?: string; constraint?: string; table?: string };
  return { type: e.name, code: e.code, message: e.message, constraint: e.constraint, table: e.table, stack: e.stack };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: { status: number; code: string; detail?: string; errors?: Record<string, string>; [extension: string]: unknown },
): FastifyReply {
  const body: Problem = { type: 'about:blank', title: titleFor(problem.status), instance: request.id, ...problem };
  if (body.errors && Object.keys(body.errors).length === 0) delete body.errors;
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const resolved = resolve(error);
    if (resolved.status >= 500) {
      request.log.error({ err: loggableError(error) }, 'request failed');
    } else {
      request.log.info({ code: resolved.code, status: resolved.status }, 'request refused');
    }
    if (resolved.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '30');
    if (wantsJson(request)) {
      return sendProblem(request, reply, { status: resolved.status, code: resolved.code, detail: resolved.detail, ...(resolved.errors ? { errors: resolved.errors } : {}) });
    }
    if (resolved.status === 401) return reply.redirect('/sign-in');
    return reply.code(resolved.status).renderPage(resolved.status === 404 ? 'errors/not-found.njk' : 'errors/error.njk', {
      status: resolved.status,
      title: titleFor(resolved.status),
      message: resolved.detail,
    });
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (wantsJson(request)) {
      return sendProblem(request, reply, { status: 404, code: 'not-found', detail: 'There is nothing at this address.' });
    }
    return reply.code(404).renderPage('errors/not-found.njk', { status: 404, title: 'Page not found' });
  });
}
