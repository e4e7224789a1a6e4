import { httpLoad } from '../http-load.js';
import type { SignedInSession } from '../http-sign-in.js';
import type { LoadResult } from '../stats.js';
import type { WorldContext } from '../world-context.js';

export interface OverloadResult {
  /** Signpost views a second the service sustained at 32 connections (the view scenario's median). */
  sustainable: number;
  offered: number;
  connections: number;
  served: LoadResult;
  /** Requests turned away at once with 503 + Retry-After (load shedding). */
  shed: number;
  shedP99: number | null;
}

/**
 * Load shedding: offers twice the sustainable rate of signpost views from many connections. The
 * service should serve what it can at a bounded p99 and turn the rest away quickly with 503,
 * rather than queueing everything until it all times out.
 */
export async function benchOverload(world: WorldContext, service: { baseUrl: string; session: SignedInSession }, sustainable: number, options: { seconds: number; connections: number }): Promise<OverloadResult> {
  const ids = world.sample.map((c) => c.id);
  const form = new URLSearchParams({ _csrf: service.session.csrf, reason: 'safeguarding_concern' }).toString();
  const offered = Math.max(1, Math.round(sustainable * 2));
  const result = await httpLoad({
    baseUrl: service.baseUrl,
    connections: options.connections,
    seconds: options.seconds,
    overallRate: offered,
    expectStatus: 200,
    request: (n) => ({ method: 'POST', path: `/children/${ids[n % ids.length]!}/view`, headers: { cookie: service.session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
  });
  return { sustainable, offered, connections: options.connections, served: result, shed: result.statusCounts['503'] ?? 0, shedP99: result.shedP99 };
}
