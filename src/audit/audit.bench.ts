import crypto, { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Db } from '../platform/db/database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { systemClock } from '../platform/time/clock.js';
import type { AuditAction } from './audit-entry.js';
import { AuditService } from './audit.service.js';
import { verifyAudit } from './audit-verifier.js';

/** Rates from one run, side by side with this machine's raw hashing speed. */
export interface AuditBenchResult {
  entries: number;
  /** Entries written per second (bulk inserts of 2,000, in transactions of 10,000). */
  insertPerSecond: number;
  sealPerSecond: number;
  /** As `signpost audit verify` does it (its default threads: one per core but one). */
  verifyPerSecond: number;
  /** The same, read and checked in one thread. */
  verifyOneThreadPerSecond: number;
  /** The same with one thread per core. */
  verifyThreadPerCorePerSecond: number;
  /** SHA-256 of n separate ~200-byte buffers per second: the ceiling for one leaf hash each. */
  rawSha256PerSecond: number;
}

const ACTIONS: readonly AuditAction[] = ['search', 'view', 'view', 'view', 'update', 'sign_in'];

/**
 * `npm run bench` scenario "audit verify": writes n synthetic entries into `db` — an empty,
 * migrated, throwaway database (the verifier reads the whole log) — seals them in one round,
 * verifies the whole log, and measures raw SHA-256 over n ~200-byte buffers in the same run so
 * the rates can be read against the machine. Entries carry no personal data.
 */
export async function benchAuditVerify(n: number, deps: { db: Db; databaseUrl: string; log?: (line: string) => void }): Promise<AuditBenchResult> {
  const log = deps.log ?? console.log;
  const keys = new Keyring(randomBytes(32));
  const audit = new AuditService({ db: deps.db, keys, clock: systemClock });
  const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));

  let started = performance.now();
  for (let written = 0; written < n;) {
    const count = Math.min(10_000, n - written);
    await deps.db.transaction().execute((tx) => audit.recordMany(tx, Array.from({ length: count }, (_, i) => ({
      action: ACTIONS[(written + i) % ACTIONS.length]!,
      actorUserId: '00000000-0000-4000-8000-000000000001',
      actorOrganisationId: '00000000-0000-4000-8000-000000000002',
      actorRole: 'social_worker',
      childId: '00000000-0000-4000-8000-000000000003',
      basis: 'active involvement',
      reason: 'benchmark: routine review of case history',
      outcome: 'allowed' as const,
      requestId: `bench-${written + i}`,
    }))));
    written += count;
  }
  const insertPerSecond = rate(n, performance.now() - started);

  started = performance.now();
  const sealed = await audit.sealNow();
  const sealPerSecond = rate(sealed.added, performance.now() - started);

  const timeVerify = async (threads: number | undefined) => {
    const at = performance.now();
    const verified = await verifyAudit({ db: deps.db, keys, databaseUrl: deps.databaseUrl }, undefined, threads === undefined ? {} : { threads });
    if (!verified.ok || verified.treeSize !== n) throw new Error(`the benchmark log did not verify: ${JSON.stringify(verified)}`);
    return rate(n, performance.now() - at);
  };
  const verifyOneThreadPerSecond = await timeVerify(1);
  const verifyPerSecond = await timeVerify(undefined);
  const verifyThreadPerCorePerSecond = await timeVerify(availableParallelism());

  // The same one-shot SHA-256 the verifier uses, so the ratio is about everything else it does.
  const buffers = Array.from({ length: Math.min(n, 100_000) }, () => randomBytes(200));
  started = performance.now();
  for (let i = 0; i < n; i++) crypto.hash('sha256', buffers[i % buffers.length]!, 'buffer');
  const rawSha256PerSecond = rate(n, performance.now() - started);

  log(`audit: ${n} entries | insert ${insertPerSecond}/s | seal ${sealPerSecond}/s | verify ${verifyPerSecond}/s (one thread ${verifyOneThreadPerSecond}/s, one per core ${verifyThreadPerCorePerSecond}/s) | raw SHA-256 (200 B) ${rawSha256PerSecond}/s`);
  // Each entry costs two hashes (its leaf and, on average, one interior node) plus its database read.
  log(`audit: verify runs at ${(verifyPerSecond / rawSha256PerSecond * 100).toFixed(1)}% of raw SHA-256 speed (at most 50%: two hashes per entry)`);
  return { entries: n, insertPerSecond, sealPerSecond, verifyPerSecond, verifyOneThreadPerSecond, verifyThreadPerCorePerSecond, rawSha256PerSecond };
}
