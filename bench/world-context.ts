import { sql } from 'kysely';
import { openRuntime, type Runtime } from '../src/app/runtime.js';
import { createServices, type Services } from '../src/app/services.js';
import type { Viewer } from '../src/access/viewer.js';
import type { Child } from '../src/children/child-identity.js';
import { loadConfig, type Config } from '../src/platform/config/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { systemClock } from '../src/platform/time/clock.js';
import path from 'node:path';
import { postgresPids } from './cpu-time.js';
import { worldDir } from './world.js';

/** The benchmark's own handle on a world: services in this process, and children to ask about. */
export interface WorldContext {
  children: number;
  config: Config;
  runtime: Runtime;
  services: Services;
  /** Unshielded children, opened in this process to build realistic queries (never printed). */
  sample: Child[];
  viewerFor(email: string): Promise<Viewer>;
  /** The world's PostgreSQL processes now, for counting the CPU a run takes (bench/cpu-time.ts). */
  postgresPids(): number[];
  close(): Promise<void>;
}

/**
 * Opens a world while its `signpost serve` runs (the embedded server is shared, as any second
 * command would share it), for the in-process baselines measured beside the HTTP runs.
 */
export async function openWorld(children: number, sampleSize = 400): Promise<WorldContext> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: '', DATABASE_MIGRATION_URL: '', SIGNPOST_KEK: '' }, { dataDir: worldDir(children) });
  const runtime = await openRuntime(config, createLogger(config), { migrate: false });
  const services = createServices({ config, db: runtime.db, clock: systemClock, keys: runtime.keys });
  // A spread of children across the index (ids are random), skipping shielded ones, whose view is a summary.
  const { rows } = await sql<{ id: string }>`SELECT id FROM children WHERE NOT shielded AND NOT unborn ORDER BY md5(id::text) LIMIT ${sampleSize}`.execute(runtime.db);
  const sample: Child[] = [];
  for (const { id } of rows) {
    const child = await services.children.read(id);
    if (child) sample.push(child);
  }
  return {
    children,
    config,
    runtime,
    services,
    sample,
    async viewerFor(email) {
      const { rows: [user] } = await sql<{ id: string; organisation_id: string; role: string }>`SELECT id, organisation_id, role FROM users WHERE email = ${email}`.execute(runtime.db);
      if (!user) throw new Error(`no account ${email} in the benchmark world`);
      return { kind: 'user', userId: user.id, organisationId: user.organisation_id, role: user.role };
    },
    postgresPids: () => postgresPids(path.join(worldDir(children), 'postgres')),
    close: () => runtime.close(),
  };
}
