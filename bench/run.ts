/**
 * `npm run bench [-- --children 10000,100000 --scenario find,view,import,audit --runs 3]`: the
 * benchmark suite. For each size it generates (or reuses) a world with a fixed seed, starts
 * `signpost serve` on it, signs in through the real pages and measures each scenario over
 * loopback HTTP beside an in-process baseline from the same run, because only ratios measured
 * side by side survive a noisy shared machine. Prints tables; writes bench-results/latest.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { PROJECT_ROOT } from '../src/platform/config/paths.js';
import { signInOverHttp } from './http-sign-in.js';
import { startService } from './service-process.js';
import { ensureWorld } from './world.js';
import { openWorld } from './world-context.js';
import { benchAudit } from './scenarios/audit-verify.js';
import { benchDedupe } from './scenarios/dedupe.js';
import { benchFeedImport } from './scenarios/feed-import.js';
import { benchFindChild, FIND_TARGET_RATE } from './scenarios/find-child.js';
import { benchMatchOne } from './scenarios/match-one.js';
import { benchOverload } from './scenarios/overload.js';
import { benchSignpostView } from './scenarios/signpost-view.js';
import type { LoadResult } from './stats.js';

const SCENARIOS = ['find', 'view', 'overload', 'match', 'import', 'audit', 'dedupe'] as const;
type Scenario = (typeof SCENARIOS)[number];
const VIEWER = 'social.worker@leeds.demo.test';

const { values } = parseArgs({
  options: {
    children: { type: 'string', default: '10000,100000' },
    scenario: { type: 'string', default: SCENARIOS.join(',') },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    'import-rows': { type: 'string', default: '2000' },
    'audit-entries': { type: 'string', default: '100000' },
    port: { type: 'string', default: '3900' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('npm run bench -- [--children 10000,100000,1000000] [--scenario find,view,overload,match,import,audit,dedupe] [--runs 3] [--seconds 10] [--connections 32] [--import-rows 2000] [--audit-entries 100000]');
  process.exit(0);
}
const positive = (name: string, raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0 (got "${raw}")`);
  return n;
};
const sizes = values.children.split(',').map((s) => positive('children', s.trim()));
const scenarios = values.scenario.split(',').map((s) => s.trim()) as Scenario[];
for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}": choose from ${SCENARIOS.join(', ')}`);
const load = { runs: positive('runs', values.runs), seconds: positive('seconds', values.seconds), connections: positive('connections', values.connections) };

const row = (label: string, r: LoadResult) => `  ${label.padEnd(44)} ${String(r.perSecond).padStart(7)}/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p95 ${r.p95.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  failed ${r.failures}${r.cpuMsPerOp === undefined ? '' : `  CPU ${r.cpuMsPerOp.toFixed(2)} ms${r.postgresCpuMsPerOp === undefined ? '' : ` (PostgreSQL ${r.postgresCpuMsPerOp.toFixed(2)})`}`}`;

const results: Record<string, unknown>[] = [];
for (const children of sizes) {
  await ensureWorld(children);
  const service = await startService(children, positive('port', values.port));
  const world = await openWorld(children);
  try {
    const session = await signInOverHttp(service.baseUrl, VIEWER);
    const { rows: [version] } = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(world.runtime.db);
    const result: Record<string, unknown> = { children, postgres: version?.v };
    console.log(`\n== ${children.toLocaleString('en-GB')} children — ${load.runs} runs of ${load.seconds} s, ${load.connections} connections, medians`);
    if (scenarios.includes('find')) {
      const find = await benchFindChild(world, { baseUrl: service.baseUrl, pid: service.pid, session }, load);
      console.log(row('find a child (HTTP, audited)', find.http));
      console.log(row(`  offered at ${String(FIND_TARGET_RATE)}/s`, find.atTargetRate));
      console.log(row('  same candidate query straight on PostgreSQL', find.directSql));
      console.log(`  ratio HTTP ÷ direct: ${find.ratio}`);
      result['find'] = find;
    }
    let sustainableViews: number | null = null;
    if (scenarios.includes('view')) {
      const view = await benchSignpostView(world, { baseUrl: service.baseUrl, pid: service.pid, session }, VIEWER, load);
      sustainableViews = view.http.perSecond;
      console.log(row('signpost view (HTTP, checked + audited)', view.http));
      console.log(row('  lookAt in-process (checked + audited)', view.audited));
      console.log(row('  same reads, unchecked and unaudited', view.unaudited));
      console.log(`  ratio audited ÷ unaudited: ${view.ratio} (goal ≥ 0.8); by CPU a look: ${view.cpuRatio ?? '–'}`);
      result['view'] = view;
    }
    if (scenarios.includes('overload')) {
      // Twice what the view scenario sustained (or, run alone, a rate no 2-core machine sustains).
      const overload = await benchOverload(world, { baseUrl: service.baseUrl, session }, sustainableViews ?? 1000, { seconds: load.seconds, connections: 256 });
      console.log(row(`overload: ${overload.offered}/s offered (2× sustainable), served`, overload.served));
      console.log(`  turned away with 503: ${overload.shed} (p99 ${overload.shedP99 ?? '–'} ms)`);
      result['overload'] = overload;
    }
    if (scenarios.includes('match')) {
      const match = await benchMatchOne(world, load);
      console.log(row('match one record against the index (4 callers)', match.match));
      console.log(row('  its blind-index candidate query alone', match.blockingOnly));
      result['match'] = match;
    }
    if (scenarios.includes('import')) {
      const feed = await benchFeedImport(world, { rows: positive('import-rows', values['import-rows']), runs: load.runs });
      console.log(`  feed import with matching: ${feed.importPerSecond} rows/s (the command with start-up: ${feed.commandPerSecond} rows/s; peak ${feed.peakRssMb} MB) | the same file again, unchanged: ${feed.reimportPerSecond} rows/s | COPY ${feed.copyPerSecond} rows/s | ratio ${feed.ratio}${feed.cpuMsPerRow === undefined ? '' : ` | CPU ${feed.cpuMsPerRow.toFixed(2)} ms a row (PostgreSQL ${feed.postgresCpuMsPerRow!.toFixed(2)})`}`);
      result['import'] = feed;
    }
    if (scenarios.includes('audit')) {
      const audit = await benchAudit(world, { entries: positive('audit-entries', values['audit-entries']), runs: load.runs });
      console.log(`  audit, ${audit.entries} entries: insert ${audit.insertPerSecond}/s | seal ${audit.sealPerSecond}/s | verify ${audit.verifyPerSecond}/s (one thread ${audit.verifyOneThreadPerSecond}/s, one per core ${audit.verifyThreadPerCorePerSecond}/s) | raw SHA-256 ${audit.rawSha256PerSecond}/s | verify ÷ SHA-256 ${audit.verifyVsSha256}`);
      result['audit'] = audit;
    }
    if (scenarios.includes('dedupe')) {
      const dedupe = await benchDedupe(world);
      console.log(`  match dedupe of the whole index (once): ${dedupe.seconds} s, ${dedupe.pairsScored} pairs scored (${dedupe.pairsPerSecond}/s), ${dedupe.queued} newly queued, peak ${dedupe.peakRssMb} MB`);
      result['dedupe'] = dedupe;
    }
    results.push(result);
  } finally {
    await world.close();
    await service.stop();
  }
}

const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` };
const report = { at: new Date().toISOString(), machine, load, scenarios, results };
const dir = path.join(PROJECT_ROOT, 'bench-results');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(path.join(dir, `bench-${report.at.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nWrote bench-results/latest.json (${machine.cpus} × ${machine.cpu ?? 'CPU'}, ${machine.memoryGb} GiB, Node ${machine.node}).`);
