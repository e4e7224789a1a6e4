import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app/build-app.js';
import { createServices, type Services } from '../src/app/services.js';
import { loadConfig, type Config } from '../src/platform/config/config.js';
import { Keyring } from '../src/platform/crypto/keyring.js';
import { createDatabase, type Db } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { FixedClock } from '../src/platform/time/clock.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  clock: FixedClock;
  config: Config;
  keys: Keyring;
  services: Services;
  /** The pool the app itself uses: `database.db` (the owner), or the app role's with `appRole`. */
  appDb: Db;
  close(): Promise<void>;
}

/** A fixed instant for tests: a Monday in term time, in GMT. */
export const TEST_NOW = '2026-11-23T10:00:00Z';

/**
 * The real app on its own real database, with a fixed clock and a random key. Nothing is mocked:
 * requests go through `app.inject` and every layer below it.
 */
export async function buildTestApp(options: { env?: Record<string, string>; now?: string; appRole?: boolean } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  // `appRole`: the app connects as production does, a member of the least-privilege signpost_app
  // role; `database.db` and `services` stay the owner's, for setting up and inspecting.
  const appDb = options.appRole ? createDatabase({ url: await database.appRoleUrl(), poolSize: 5 }) : database.db;
  // Tests sign in many times a minute from one address; the rate limit has its own test.
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, SIGNPOST_SIGNIN_ATTEMPTS_PER_MINUTE: '10000', ...options.env });
  const clock = new FixedClock(options.now ?? TEST_NOW);
  const keys = new Keyring(randomBytes(32));
  const logger = createLogger({ logLevel: process.env['TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent' });
  const app = await buildApp({ config, db: appDb, clock, keys, logger });
  const services = createServices({ config, db: database.db, clock, keys });
  return {
    app,
    database,
    clock,
    config,
    keys,
    services,
    appDb,
    async close() {
      await app.close();
      if (appDb !== database.db) await appDb.destroy();
      await database.drop();
    },
  };
}
