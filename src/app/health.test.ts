import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildApp } from './build-app.js';
import { loadConfig } from '../platform/config/config.js';
import { createDatabase } from '../platform/db/database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { createLogger } from '../platform/logging/logger.js';
import { systemClock } from '../platform/time/clock.js';

test('with the database unreachable, /healthz says so with a 503 and pages fail fast with a clear 503', async () => {
  // Port 9 (discard) on loopback: nothing listens, so connections are refused at once.
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' });
  const db = createDatabase({ url: config.databaseUrl!, poolSize: 2 });
  const app = await buildApp({ config, db, clock: systemClock, keys: new Keyring(randomBytes(32)), logger: createLogger({ logLevel: 'silent' }) });
  try {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 503);
    assert.deepEqual(health.json(), { status: 'unavailable', database: 'unreachable' });

    const page = await app.inject({ method: 'GET', url: '/', cookies: { signpost_session: 'x'.repeat(43) }, headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /database is not reachable/);

    const api = await app.inject({ method: 'GET', url: '/api/v1/organisations', headers: { authorization: 'Bearer abc' } });
    assert.equal(api.statusCode, 503);
    assert.equal(api.headers['retry-after'], '30');
    assert.match(String(api.headers['content-type']), /problem\+json/);
  } finally {
    await app.close();
    await db.destroy();
  }
});
