import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app/build-app.js';
import { createServices, type Services } from '../../src/app/services.js';
import { seedDemoWorld } from '../../src/demo/seed.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { Keyring } from '../../src/platform/crypto/keyring.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { systemClock } from '../../src/platform/time/clock.js';
import { createTestDatabase, type TestDatabase } from '../test-database.js';

export interface LiveServer {
  url: string;
  app: FastifyInstance;
  database: TestDatabase;
  /** The server's own services (same database and keys), for setting up a test's data. */
  services: Services;
  close(): Promise<void>;
}

/** The real app listening on a loopback port with the demo world, for browser tests. */
export async function startLiveServer(): Promise<LiveServer> {
  const database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, SIGNPOST_SIGNIN_ATTEMPTS_PER_MINUTE: '1000' });
  const keys = new Keyring(randomBytes(32));
  const services = createServices({ config, db: database.db, clock: systemClock, keys });
  await seedDemoWorld({ db: database.db, clock: systemClock, users: services.users, keys }, { seed: 7, children: 50 });
  const app = await buildApp({ config, db: database.db, clock: systemClock, keys, logger: createLogger({ logLevel: 'silent' }) });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    app,
    database,
    services,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
