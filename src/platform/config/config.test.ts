import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

test('config is parsed once into a frozen object with sensible defaults', () => {
  const config = loadConfig({}, {}, '/srv/signpost');
  assert.equal(config.port, 3000);
  assert.equal(config.dataDir, '/srv/signpost/data');
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.session.idleMinutes, 30);
  assert.equal(config.vetting.dbsValidYears, 3);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.session));
});

test('command-line values win over the environment', () => {
  const config = loadConfig({ PORT: '4000', SIGNPOST_DATA_DIR: 'env-data' }, { port: 5000, dataDir: '/tmp/x' });
  assert.equal(config.port, 5000);
  assert.equal(config.dataDir, '/tmp/x');
});

test('bad values fail fast with a message that says what is expected', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT must be a whole number/.test(e.message));
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL must start with postgres/);
  assert.throws(() => loadConfig({ SIGNPOST_KEK: 'c2hvcnQ=' }), /32 bytes/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of/);
});
