import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkWrites } from './checks.js';
import { IMPORT_SYSTEM, killedImport } from './feed-import.js';
import { Ledger } from './ledger.js';
import { seededRandom } from './random.js';
import { freePort, Service, signpost, sleep } from './service.js';
import { Writers, type AgencyClient } from './writers.js';

/** What a round kills: the app, its PostgreSQL server, or a bulk import part-way. */
export type Target = 'app' | 'postgres' | 'import';
export const TARGETS: readonly Target[] = ['app', 'postgres', 'import'];

export interface ChaosOptions {
  rounds: number;
  seed: number;
  writers: number;
  importRows: number;
  /** The targets to cycle through (default all three). */
  targets: readonly Target[];
  /** Keep the data folder afterwards (for a look at a failure). */
  keep: boolean;
  onRound?: (round: RoundResult) => void;
}

export interface RoundResult {
  round: number;
  target: Target;
  /** ms from the start of the round's writes to the kill. */
  killAtMs: number;
  /** ms from the kill until /healthz answered 200 again (import rounds: the resumed import). */
  recoveryMs: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  auditLeaves: number;
  auditVerified: boolean;
  /** What happened in an import round: where it was killed and where it resumed. */
  detail: string;
  problems: string[];
}

export interface ChaosResult {
  seed: number;
  rounds: RoundResult[];
  acknowledged: number;
  attempts: number;
  failures: number;
  abandoned: number;
  statuses: Record<string, number>;
  slowest503Ms: number;
  importedRows: number;
  lost: number;
  duplicated: number;
  durationMs: number;
  ok: boolean;
}

const SYSTEM = 'chaos-writers';
const COUNCIL = 'LEE';

/**
 * Sets up a fresh data folder (demo directory without children, one API client), starts
 * `signpost serve`, then runs the rounds: writers write through the API while one process is
 * killed with SIGKILL at a random moment; after recovery every acknowledged write is checked.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'signpost-chaos-'));
  const service = new Service(dataDir, await freePort());
  const ledger = new Ledger();
  const rounds: RoundResult[] = [];
  let importedRows = 0;
  try {
    await setUp(dataDir);
    const client = await registerClient(dataDir);
    await service.start();
    const writers = new Writers(() => service.url, client, ledger, random);
    // A seeded cycle: each target once (so the first rounds kill every kind), then the app and
    // PostgreSQL again. A feed import round takes minutes, so it comes once in five rounds.
    const shuffle = <T>(items: T[]) => items.map((item) => ({ item, key: random.next() })).sort((a, b) => a.key - b.key).map((x) => x.item);
    const order = [...shuffle([...options.targets]), ...shuffle(options.targets.filter((t) => t !== 'import'))];
    for (let round = 1; round <= options.rounds; round++) {
      const target = order[(round - 1) % order.length]!;
      const result = await runRound({ round, target, service, writers, ledger, random, options });
      if (target === 'import') importedRows += options.importRows;
      rounds.push(result);
      options.onRound?.(result);
    }
  } finally {
    await service.stop().catch(() => undefined);
    if (!options.keep) await rm(dataDir, { recursive: true, force: true });
  }
  // Summed over the rounds' checks (a loss found in one round is found again in later ones):
  // anything but 0 fails the run.
  const lost = rounds.reduce((sum, r) => sum + r.lost, 0);
  const duplicated = rounds.reduce((sum, r) => sum + r.duplicated, 0);
  return {
    seed: options.seed,
    rounds,
    acknowledged: ledger.acknowledged.size,
    attempts: ledger.attempts,
    failures: ledger.failures,
    abandoned: ledger.abandoned,
    statuses: Object.fromEntries(ledger.statuses),
    slowest503Ms: ledger.slowest503Ms,
    importedRows,
    lost,
    duplicated,
    durationMs: Date.now() - started,
    ok: rounds.length === options.rounds && rounds.every((r) => r.problems.length === 0),
  };
}

async function runRound(ctx: {
  round: number; target: Target; service: Service; writers: Writers; ledger: Ledger; random: ReturnType<typeof seededRandom>; options: ChaosOptions;
}): Promise<RoundResult> {
  const { round, target, service, writers, ledger, random, options } = ctx;
  const problems: string[] = [];
  const serverErrorsBefore = serverErrors(ledger);
  writers.start(options.writers);
  const roundStarted = Date.now();
  let killAtMs = 0;
  let recoveryMs = 0;
  let importLost = 0;
  let importDuplicated = 0;
  let detail = '';
  try {
    if (target === 'import') {
      const killedAt = Date.now();
      const imported = await killedImport({ dataDir: service.dataDir, databaseUrl: () => service.databaseUrl(), round, rows: options.importRows, councilCode: COUNCIL, random });
      killAtMs = killedAt - roundStarted;
      recoveryMs = Date.now() - killedAt;
      importLost = imported.lost;
      importDuplicated = imported.duplicated;
      problems.push(...imported.problems);
      detail = `import of ${String(imported.rows)} rows killed after ${String(imported.killedAfterRows)} (${String(imported.killedRunMs)} ms), resumed after row ${String(imported.resumedAfterRow)} (${String(imported.resumedRunMs)} ms)`;
    } else {
      await sleep(random.int(300, 2_500));
      killAtMs = Date.now() - roundStarted;
      const killed = Date.now();
      if (target === 'app') {
        await service.killApp();
        await service.start();
      } else {
        const killedPid = service.killPostgres();
        // /healthz can still answer for a moment from a backend that has not yet seen its
        // postmaster die: recovery counts from the new server's pid.
        await service.waitNewPostmaster(killedPid, 120_000);
      }
      // A killed PostgreSQL is started again by the app itself (src/platform/db/postgres-supervisor.ts).
      await service.waitHealthy(120_000);
      recoveryMs = Date.now() - killed;
    }
    // Some writes after recovery too: the service must take new work, not only keep old work.
    await sleep(1_000);
  } finally {
    await writers.stop();
  }

  // An outage must be reported as a 503 (database unavailable), never as a 500.
  const serverErrorsNow = serverErrors(ledger) - serverErrorsBefore;
  if (serverErrorsNow > 0) problems.push(`${String(serverErrorsNow)} requests answered with a 5xx other than 503`);

  const checked = await checkWrites(service.databaseUrl(), SYSTEM, ledger);
  problems.push(...checked.problems);
  const verify = await signpost(service.dataDir, ['audit', 'verify']);
  if (verify.code !== 0) problems.push(`signpost audit verify exited ${String(verify.code)}: ${(verify.stderr || verify.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return {
    round,
    target,
    killAtMs,
    recoveryMs,
    acknowledged: checked.acknowledged,
    lost: checked.lost + importLost,
    duplicated: checked.duplicated + importDuplicated,
    auditLeaves: checked.auditLeaves,
    auditVerified: verify.code === 0,
    detail,
    problems,
  };
}

function serverErrors(ledger: Ledger): number {
  return [...ledger.statuses].filter(([status]) => Number(status) >= 500 && status !== '503').reduce((sum, [, n]) => sum + n, 0);
}

/** The organisation directory and demo accounts, without synthetic children. */
async function setUp(dataDir: string): Promise<void> {
  const seeded = await signpost(dataDir, ['seed', '--children', '0']);
  if (seeded.code !== 0) throw new Error(`signpost seed failed (${String(seeded.code)}):\n${seeded.stderr}`);
}

async function registerClient(dataDir: string): Promise<AgencyClient> {
  const added = await signpost(dataDir, ['clients', 'add', '--org', COUNCIL, '--name', 'Chaos writers', '--source-system', SYSTEM, IMPORT_SYSTEM]);
  const clientId = /client_id:\s+(\S+)/.exec(added.stdout)?.[1];
  const clientSecret = /client_secret:\s+(\S+)/.exec(added.stdout)?.[1];
  if (added.code !== 0 || !clientId || !clientSecret) throw new Error(`signpost clients add failed (${String(added.code)}):\n${added.stderr}`);
  return { clientId, clientSecret, system: SYSTEM, councilCode: COUNCIL };
}
