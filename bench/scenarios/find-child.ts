import { closedLoop } from '../closed-loop.js';
import { httpLoad, WARM_UP_SECONDS } from '../http-load.js';
import { pacedLoad } from '../paced-load.js';
import type { SignedInSession } from '../http-sign-in.js';
import { medianOf, round2, type LoadResult } from '../stats.js';
import type { WorldContext } from '../world-context.js';
import { fuzzyQueries, isoDate } from './fuzzy-queries.js';

/** The target: p99 within 100 ms at this many searches a second. */
export const FIND_TARGET_RATE = 300;

export interface FindChildResult {
  /** As fast as answered: the most the service sustains, and its queue's latency at that. */
  http: LoadResult;
  /** Offered at FIND_TARGET_RATE, evenly spaced, through at most as many connections: the latency people see at the target's rate. */
  atTargetRate: LoadResult;
  directSql: LoadResult;
  /** HTTP req/s ÷ direct-SQL queries/s. */
  ratio: number;
}

/**
 * "Find a child" by fuzzy name and date of birth: the search page over HTTP (signed in, reason
 * stated, audited in the same transaction, candidates opened and ranked), as fast as answered
 * and offered at the target's rate, against the same
 * search's own candidate query (blocking and ranking) run straight on PostgreSQL from this process, at the same concurrency.
 */
export async function benchFindChild(world: WorldContext, service: { baseUrl: string; pid: number; session: SignedInSession }, options: { connections: number; seconds: number; runs: number }): Promise<FindChildResult> {
  const queries = fuzzyQueries(world.sample);
  const body = (n: number) => {
    const q = queries[n % queries.length]!;
    return new URLSearchParams({
      _csrf: service.session.csrf, reason: 'safeguarding_concern', givenNames: q.givenNames, familyName: q.familyName,
      'dob-day': String(q.day), 'dob-month': String(q.month), 'dob-year': String(q.year),
    }).toString();
  };
  const http: LoadResult[] = [];
  const atTargetRate: LoadResult[] = [];
  const direct: LoadResult[] = [];
  const searches = {
    baseUrl: service.baseUrl,
    connections: options.connections,
    seconds: options.seconds,
    expectStatus: 200,
    cpu: { app: service.pid, postgres: () => world.postgresPids() },
    request: (n: number) => ({ method: 'POST' as const, path: '/children/search', headers: { cookie: service.session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body(n) }),
  };
  await httpLoad({ ...searches, seconds: WARM_UP_SECONDS });
  for (let run = 0; run < options.runs; run++) {
    http.push(await httpLoad(searches));
    atTargetRate.push(await pacedLoad({ ...searches, rate: FIND_TARGET_RATE }));
    direct.push(await closedLoop(options.connections, options.seconds, async (n) => {
      const q = queries[n % queries.length]!;
      await world.services.childSearch.candidates({ givenNames: q.givenNames, familyName: q.familyName, dateOfBirth: isoDate(q) });
    }, { app: 'self' as const, postgres: () => world.postgresPids() }));
  }
  const result = { http: medianOf(http), atTargetRate: medianOf(atTargetRate), directSql: medianOf(direct) };
  return { ...result, ratio: round2(result.http.perSecond / result.directSql.perSecond) };
}
