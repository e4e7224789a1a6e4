import type { FastifyInstance } from 'fastify';
import { DomainError } from './errors.js';

/** Seconds a shed client should wait: long enough for a burst to drain, short enough to feel live. */
export const SHED_RETRY_AFTER_SECONDS = 2;

export class OverloadedError extends DomainError {
  constructor() {
    super('overloaded', 503, 'Signpost is very busy. Try again in a few seconds.');
  }
}

/**
 * Load shedding: past `maxInFlight` concurrent requests, new ones get an immediate 503 with
 * Retry-After instead of joining a queue in front of the database pool where every request would
 * wait until all of them time out. Health checks are never shed, so an orchestrator does not
 * restart a busy but healthy instance.
 */
export function registerLoadShedding(app: FastifyInstance, options: { maxInFlight: number; exempt: readonly string[] }): void {
  let inFlight = 0;
  const counted = new WeakSet<object>();
  const release = (request: object) => {
    if (counted.delete(request)) inFlight -= 1;
  };
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (options.exempt.includes(path)) return;
    if (inFlight >= options.maxInFlight) {
      reply.header('retry-after', String(SHED_RETRY_AFTER_SECONDS));
      throw new OverloadedError();
    }
    inFlight += 1;
    counted.add(request);
    // The raw response's 'close' comes once whatever happens: answered, or the client gone while
    // the handler was still working (a load generator ending its run). Fastify's onResponse and
    // onRequestAbort hooks both missed that last case, and each miss leaked a slot for good.
    reply.raw.once('close', () => release(request));
  });
}
