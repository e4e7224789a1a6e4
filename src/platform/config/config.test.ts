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

test('WebAuthn binds keys to the public URL: localhost by default, a parent domain allowed, IP addresses refused', () => {
  assert.deepEqual({ ...loadConfig({ PORT: '4000' }).webauthn }, { origin: 'http://localhost:4000', rpId: 'localhost', rpName: 'Signpost' });
  const live = loadConfig({ SIGNPOST_PUBLIC_URL: 'https://signpost.example.gov.uk', SIGNPOST_WEBAUTHN_RP_ID: 'example.gov.uk' }).webauthn;
  assert.equal(live.origin, 'https://signpost.example.gov.uk');
  assert.equal(live.rpId, 'example.gov.uk');
  assert.throws(() => loadConfig({ SIGNPOST_PUBLIC_URL: 'http://signpost.example.gov.uk' }), /SIGNPOST_PUBLIC_URL must use https/);
  assert.throws(() => loadConfig({ SIGNPOST_PUBLIC_URL: 'https://signpost.example.gov.uk/app' }), /must be an origin with no path/);
  assert.throws(() => loadConfig({ SIGNPOST_PUBLIC_URL: 'http://127.0.0.1:3000' }), /not an IP address/);
  assert.throws(() => loadConfig({ SIGNPOST_PUBLIC_URL: 'https://signpost.example.gov.uk', SIGNPOST_WEBAUTHN_RP_ID: 'other.gov.uk' }), /parent domain/);
});
