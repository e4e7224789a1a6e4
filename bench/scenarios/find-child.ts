import { closedLoop } from '../closed-loop.js';
import { httpLoad } from '../http-load.js';
import type { SignedInSession } from '../http-sign-in.js';
import { medianOf, round2, type LoadResult } from '../stats.js';
import type { WorldContext } from '../world-context.js';
import { fuzzyQueries, isoDate } from './fuzzy-queries.js';

export interface FindChildResult {
  http: LoadResult;
  directSql: LoadResult;
  /** HTTP req/s ÷ direct-SQL queries/s. */
  ratio: number;
}

/**
 * "Find a child" by fuzzy name and date of birth: the search page over HTTP (signed in, reason
 * stated, audited in the same transaction, candidates opened and ranked), against the same
 * search's own candidate query (blocking and ranking) run straight on PostgreSQL from this process, at the same concurrency.
 */
export async function benchFindChild(world: WorldContext, service: { baseUrl: string; session: SignedInSession }, options: { connections: number; seconds: number; runs: number }): Promise<FindChildResult> {
  const queries = fuzzyQueries(world.sample);
  const body = (n: number) => {
    const q = queries[n % queries.length]!;
    return new URLSearchParams({
      _csrf: service.session.csrf, reason: 'safeguarding_concern', givenNames: q.givenNames, familyName: q.familyName,
      'dob-day': String(q.day), 'dob-month': String(q.month), 'dob-year': String(q.year),
    }).toString();
  };
  const http: LoadResult[] = [];
  const direct: LoadResult[] = [];
  for (let run = 0; run < options.runs; run++) {
    http.push(await httpLoad({
      baseUrl: service.baseUrl,
      connections: options.connections,
      seconds: options.seconds,
      expectStatus: 200,
      request: (n) => ({ method: 'POST', path: '/children/search', headers: { cookie: service.session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body(n) }),
    }));
    direct.push(await closedLoop(options.connections, options.seconds, async (n) => {
      const q = queries[n % queries.length]!;
      await world.services.childSearch.candidates({ givenNames: q.givenNames, familyName: q.familyName, dateOfBirth: isoDate(q) });
    }));
  }
  const result = { http: medianOf(http), directSql: medianOf(direct) };
  return { ...result, ratio: round2(result.http.perSecond / result.directSql.perSecond) };
}
