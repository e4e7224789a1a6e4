import pg from 'pg';
import { benchAuditVerify, type AuditBenchResult } from '../../src/audit/audit.bench.js';
import { createDatabase } from '../../src/platform/db/database.js';
import { ensureDatabase } from '../../src/platform/db/embedded-postgres.js';
import { migrateToLatest } from '../../src/platform/db/migrate.js';
import { median } from '../stats.js';
import type { WorldContext } from '../world-context.js';

const DATABASE = 'signpost_bench_audit';

/**
 * Audit sealing and `audit verify` over `entries` synthetic entries in a throwaway database on
 * the world's server (the verifier reads the whole log, so it must hold only these), against
 * this machine's raw SHA-256 rate measured in the same run.
 */
export async function benchAudit(world: WorldContext, options: { entries: number; runs: number }): Promise<AuditBenchResult & { verifyVsSha256: number }> {
  const embedded = world.runtime.embedded;
  if (!embedded) throw new Error('the audit benchmark needs the embedded server');
  const runs: AuditBenchResult[] = [];
  for (let run = 0; run < options.runs; run++) {
    await dropDatabase(embedded.adminUrl);
    await ensureDatabase(embedded.adminUrl, DATABASE);
    const url = new URL(embedded.url);
    url.pathname = `/${DATABASE}`;
    const db = createDatabase({ url: url.toString(), poolSize: 4, applicationName: 'signpost-bench' });
    try {
      await migrateToLatest(db);
      runs.push(await benchAuditVerify(options.entries, { db, databaseUrl: url.toString(), log: () => undefined }));
    } finally {
      await db.destroy();
    }
  }
  await dropDatabase(embedded.adminUrl);
  const pick = (f: (r: AuditBenchResult) => number) => Math.round(median(runs.map(f)));
  const verifyPerSecond = pick((r) => r.verifyPerSecond);
  const rawSha256PerSecond = pick((r) => r.rawSha256PerSecond);
  return {
    entries: options.entries,
    insertPerSecond: pick((r) => r.insertPerSecond),
    sealPerSecond: pick((r) => r.sealPerSecond),
    verifyPerSecond,
    verifyOneThreadPerSecond: pick((r) => r.verifyOneThreadPerSecond),
    verifyThreadPerCorePerSecond: pick((r) => r.verifyThreadPerCorePerSecond),
    rawSha256PerSecond,
    verifyVsSha256: Math.round((verifyPerSecond / rawSha256PerSecond) * 1000) / 1000,
  };
}

async function dropDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
