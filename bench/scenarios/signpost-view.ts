import { lookReads, readChildRecordView } from '../../src/child-records/child-record-view.js';
import { SignpostService } from '../../src/involvements/signpost.service.js';
import { ukDate } from '../../src/platform/time/calendar-date.js';
import { closedLoop } from '../closed-loop.js';
import { httpLoad, WARM_UP_SECONDS } from '../http-load.js';
import type { SignedInSession } from '../http-sign-in.js';
import { medianOf, round2, type LoadResult } from '../stats.js';
import type { WorldContext } from '../world-context.js';

export interface SignpostViewResult {
  /** The signpost page over HTTP: signed in, reason stated, access-checked and audited. */
  http: LoadResult;
  /** The same look in this process through ChildRecordsService.lookAt: access rule + audit entry + reads. */
  audited: LoadResult;
  /** The same rows read and opened in this process with no access check and no audit entry. */
  unaudited: LoadResult;
  /** audited ÷ unaudited throughput: what the access check and the audit cost (goal ≥ 0.8). */
  ratio: number;
  /** unaudited ÷ audited CPU a look (this process and PostgreSQL's): the same price counted in CPU rather than answers a second. */
  cpuRatio: number | null;
}

/**
 * The signpost view of one child. The ratio compares like with like — the same service code in
 * one process at the same concurrency, with and without the access decision and audit write — so
 * it prices exactly what "every look is checked and recorded" costs.
 */
export async function benchSignpostView(world: WorldContext, service: { baseUrl: string; pid: number; session: SignedInSession }, viewerEmail: string, options: { connections: number; seconds: number; runs: number }): Promise<SignpostViewResult> {
  const ids = world.sample.map((c) => c.id);
  const viewer = await world.viewerFor(viewerEmail);
  const form = new URLSearchParams({ _csrf: service.session.csrf, reason: 'safeguarding_concern' }).toString();
  const signposts = new SignpostService({ db: world.runtime.db });
  // Read as a look reads, its reads batched with those arriving together, writing nothing.
  const reads = { children: world.services.children, signposts, retentionMonths: world.config.retentionMonths, lookReads: lookReads(world.runtime.db) };
  const http: LoadResult[] = [];
  const audited: LoadResult[] = [];
  const unaudited: LoadResult[] = [];
  const views = {
    baseUrl: service.baseUrl,
    connections: options.connections,
    seconds: options.seconds,
    expectStatus: 200,
    cpu: { app: service.pid, postgres: () => world.postgresPids() },
    request: (n: number) => ({ method: 'POST' as const, path: `/children/${ids[n % ids.length]!}/view`, headers: { cookie: service.session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
  };
  const inProcess = { app: 'self' as const, postgres: () => world.postgresPids() };
  await httpLoad({ ...views, seconds: WARM_UP_SECONDS });
  for (let run = 0; run < options.runs; run++) {
    http.push(await httpLoad(views));
    audited.push(await closedLoop(options.connections, options.seconds, (n) => world.services.childRecords.lookAt(viewer, ids[n % ids.length]!, 'safeguarding_concern', `bench-${n}`), inProcess));
    // As a look reads: no transaction, the child, then the signpost, then the rest of the record
    // (batched as a look's is, so the ratio prices the check and the writes, not the batching).
    unaudited.push(await closedLoop(options.connections, options.seconds, async (n) => {
      const child = await world.services.children.read(ids[n % ids.length]!, world.runtime.db);
      if (!child) throw new Error('a sampled child has gone');
      return readChildRecordView(reads, world.runtime.db, child, ukDate(new Date()));
    }, inProcess));
  }
  const result = { http: medianOf(http), audited: medianOf(audited), unaudited: medianOf(unaudited) };
  const { audited: { cpuMsPerOp: auditedCpu }, unaudited: { cpuMsPerOp: unauditedCpu } } = result;
  const cpuRatio = auditedCpu && unauditedCpu ? round2(unauditedCpu / auditedCpu) : null;
  return { ...result, ratio: round2(result.audited.perSecond / result.unaudited.perSecond), cpuRatio };
}
