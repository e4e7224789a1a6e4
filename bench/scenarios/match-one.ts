import { closedLoop } from '../closed-loop.js';
import { medianOf, round2, type LoadResult } from '../stats.js';
import type { WorldContext } from '../world-context.js';

export interface MatchOneResult {
  /** One incoming record matched against the whole index: blocking, opening and scoring candidates. */
  match: LoadResult;
  /** The same record's blocking query alone (the matcher's own), straight on PostgreSQL. */
  blockingOnly: LoadResult;
  ratio: number;
}

/**
 * Matching one record against the index, as every feed row and API upsert does: a child the
 * index holds, arriving from another agency with a new address and no NHS number (so the names,
 * date of birth and blocking must find it). Measured in-process at 4 concurrent callers.
 */
export async function benchMatchOne(world: WorldContext, options: { seconds: number; runs: number }): Promise<MatchOneResult> {
  const incoming = world.sample.map((child) => ({
    identity: { ...child.identity, nhsNumber: null, address: { kind: 'known' as const, lines: ['3 Mill Lane'], town: 'Bradford', postcode: 'BD1 2XY' } },
    sex: child.sex,
  }));
  const matches: LoadResult[] = [];
  const blocking: LoadResult[] = [];
  for (let run = 0; run < options.runs; run++) {
    matches.push(await closedLoop(4, options.seconds, async (n) => {
      const record = incoming[n % incoming.length]!;
      await world.services.matcher.candidates(record.identity, record.sex);
    }));
    blocking.push(await closedLoop(4, options.seconds, async (n) => {
      await world.services.matcher.blocked(incoming[n % incoming.length]!.identity);
    }));
  }
  const result = { match: medianOf(matches), blockingOnly: medianOf(blocking) };
  return { ...result, ratio: round2(result.match.perSecond / result.blockingOnly.perSecond) };
}
