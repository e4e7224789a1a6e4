import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config/config.js';
import type { Logger } from '../platform/logging/logger.js';
import { systemClock } from '../platform/time/clock.js';
import { DEMO_CHILDREN } from '../demo/demo-directory.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { buildApp } from './build-app.js';
import { openRuntime } from './runtime.js';
import { createServices } from './services.js';
import { startAuditSealer } from '../audit/audit-sealer.js';
import { startOversightScanner } from '../oversight/oversight-scan.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  seeded: boolean;
  stop(): Promise<void>;
}

/**
 * Starts Signpost: database (embedded unless DATABASE_URL is set), migrations, the demo world
 * when asked and the database is empty, then HTTP. `stop` closes HTTP first, then the database.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: { demo: boolean; demoSeed?: number; onProgress?: ProgressReporter },
): Promise<RunningServer> {
  const runtime = await openRuntime(config, logger);
  try {
    const clock = systemClock;
    let seeded = false;
    if (options.demo) {
      const services = createServices({ config, db: runtime.db, clock, keys: runtime.keys });
      // Loaded only for the demo: the generators and their name data are most of a start-up.
      const { seedDemoWorld } = await import('../demo/seed.js');
      const result = await seedDemoWorld(
        { db: runtime.db, clock, users: services.users, keys: runtime.keys },
        { seed: options.demoSeed ?? 2026, children: DEMO_CHILDREN, ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
      );
      seeded = result.seeded || result.children > 0;
    }
    const app = await buildApp({ config, db: runtime.db, clock, keys: runtime.keys, logger });
    const sealer = startAuditSealer({ db: runtime.db, keys: runtime.keys, clock, logger, intervalMs: 5_000 });
    // Anomaly rules over what the sealer has sealed, once a minute (src/oversight).
    const { oversight } = createServices({ config, db: runtime.db, clock, keys: runtime.keys });
    const scanner = startOversightScanner({ scan: () => oversight.scanSealed(), logger, intervalMs: 60_000 });
    const address = await app.listen({ port: config.port, host: config.host });
    const url = address.replace('127.0.0.1', 'localhost');
    return {
      app,
      url,
      seeded,
      async stop() {
        await app.close();
        await scanner.stop();
        await sealer.stop();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
