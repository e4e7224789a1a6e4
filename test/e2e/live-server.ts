import { randomBytes } from 'node:crypto';
import net from 'node:net';
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

/** A loopback port nothing listens on now, for a server whose config must know its port up front. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * The real app listening on a loopback port with the demo world, for browser tests. With
 * `localhost`, it is reached as http://localhost:<port> and configured with that public URL:
 * WebAuthn refuses IP addresses, so security-key tests need a host name.
 */
export async function startLiveServer(options: { localhost?: boolean } = {}): Promise<LiveServer> {
  const database = await createTestDatabase();
  const port = options.localhost ? await freePort() : 0;
  const publicUrl = options.localhost ? { SIGNPOST_PUBLIC_URL: `http://localhost:${String(port)}` } : {};
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, SIGNPOST_SIGNIN_ATTEMPTS_PER_MINUTE: '1000', ...publicUrl }, { port });
  const keys = new Keyring(randomBytes(32));
  const services = createServices({ config, db: database.db, clock: systemClock, keys });
  await seedDemoWorld({ db: database.db, clock: systemClock, users: services.users, keys }, { seed: 7, children: 50 });
  const app = await buildApp({ config, db: database.db, clock: systemClock, keys, logger: createLogger({ logLevel: 'silent' }) });
  const address = await app.listen({ port, host: '127.0.0.1' });
  return {
    url: options.localhost ? config.webauthn.origin : address,
    app,
    database,
    services,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
