import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './build-app.js';
import { createServices } from './services.js';
import { loadConfig } from '../platform/config/config.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { createDatabase, type Db } from '../platform/db/database.js';
import { createLogger } from '../platform/logging/logger.js';
import { systemClock } from '../platform/time/clock.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';

/**
 * A TCP proxy between the app's pool and the test database, so one test can take "the database"
 * away without stopping the PostgreSQL server other tests share. `refuse` is a stopped server
 * (connections refused, open ones reset); `silent` is a host that has gone quiet (connections
 * accepted and never answered), the case a missing connect timeout turns into a hang.
 */
class DatabaseProxy {
  #server = net.createServer((socket) => this.#accept(socket));
  #sockets = new Set<net.Socket>();
  #mode: 'open' | 'refuse' | 'silent' = 'open';
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  async set(mode: 'open' | 'refuse' | 'silent'): Promise<void> {
    const wasListening = this.#mode !== 'refuse';
    this.#mode = mode;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (mode === 'refuse' && wasListening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (mode !== 'refuse' && !wasListening) await this.listen();
  }

  async close(): Promise<void> {
    await this.set('refuse');
  }

  #accept(client: net.Socket): void {
    this.#sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => this.#sockets.delete(client));
    if (this.#mode === 'silent') return;
    const upstream = net.connect(this.target.port, this.target.host);
    this.#sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }
}

let database: TestDatabase;
let proxy: DatabaseProxy;
let appDb: Db;
let app: FastifyInstance;
let token: string;

before(async () => {
  database = await createTestDatabase();
  const direct = new URL(database.url);
  proxy = new DatabaseProxy({ host: direct.hostname, port: Number(direct.port) });
  await proxy.listen();
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: viaProxy.toString() });
  appDb = createDatabase({ url: viaProxy.toString(), poolSize: 4 });
  const keys = new Keyring(randomBytes(32));
  app = await buildApp({ config, db: appDb, clock: systemClock, keys, logger: createLogger({ logLevel: 'silent' }) });

  const organisationId = await insertOrganisation(database.db, { code: 'OUTAGE-POL', kind: 'police', name: 'Outage Police' });
  const { clientId, clientSecret } = await createServices({ config, db: database.db, clock: systemClock, keys }).apiClients.register(organisationId, 'Outage feed', ['outage-rms']);
  const issued = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  token = issued.json<{ access_token: string }>().access_token;
});

after(async () => {
  await app.close();
  await appDb.destroy();
  await proxy.close();
  await database.drop();
});

/** An agency-API read that needs the database (the bearer token is checked there), timed. */
async function listOrganisations() {
  const started = Date.now();
  const response = await app.inject({ method: 'GET', url: '/api/v1/organisations', headers: { authorization: `Bearer ${token}` } });
  return { response, ms: Date.now() - started };
}

async function assertFastProblem(within: number): Promise<void> {
  const { response, ms } = await listOrganisations();
  assert.equal(response.statusCode, 503, response.body);
  assert.ok(ms < within, `answered in ${String(ms)} ms`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json<{ code: string }>().code, 'database-unavailable');
  assert.ok(response.headers['retry-after'], 'says when to try again');
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 503);
}

/** The same app, with nothing restarted, answers again once the database is back. */
async function assertRecovers(): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { response } = await listOrganisations();
    if (response.statusCode === 200) return;
    assert.ok(Date.now() - started < 10_000, `still ${String(response.statusCode)} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('when the database is unreachable', () => {
  test('with the database there, an agency system reads as usual', async () => {
    assert.equal((await listOrganisations()).response.statusCode, 200);
  });

  test('a stopped database: requests fail within a second with a 503 problem, and the service recovers by itself', async () => {
    await proxy.set('refuse');
    await assertFastProblem(1_000);
    await proxy.set('open');
    await assertRecovers();
  });

  test('a database that has gone silent: the connect timeout still answers 503 within about a second, then recovers', async () => {
    await proxy.set('silent');
    await assertFastProblem(1_500);
    await proxy.set('open');
    await assertRecovers();
  });
});
