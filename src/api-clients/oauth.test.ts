import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation } from '../../test/factories/accounts.js';

let t: TestApp;
let client: { clientId: string; clientSecret: string };
before(async () => {
  t = await buildTestApp();
  client = await t.services.apiClients.register(await anOrganisation(t, 'police'), 'Police case system');
});
after(async () => {
  await t.close();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/oauth/token',
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('agency systems authenticate with OAuth 2.0 client credentials', () => {
  test('a registered system gets a short-lived bearer token and can call the API', async () => {
    const response = await t.app.inject(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }));
    assert.equal(response.statusCode, 200);
    const token = response.json<{ access_token: string; token_type: string; expires_in: number }>();
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.expires_in, 15 * 60);
    assert.equal(response.headers['cache-control'], 'no-store');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/organisations?kind=police', headers: { authorization: `Bearer ${token.access_token}` } });
    assert.equal(list.statusCode, 200);
    const items = list.json<{ items: { kind: string; emergencyDutyPhone: string | null }[] }>().items;
    assert.ok(items.length >= 1);
    assert.ok(items.every((o) => o.kind === 'police'));
  });

  test('HTTP Basic client authentication works too', async () => {
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
    const response = await t.app.inject({ ...form({ grant_type: 'client_credentials' }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } });
    assert.equal(response.statusCode, 200);
  });

  test('a wrong secret is invalid_client (401)', async () => {
    const response = await t.app.inject(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'wrong' }));
    assert.equal(response.statusCode, 401);
    assert.equal(response.json<{ error: string }>().error, 'invalid_client');
    assert.match(String(response.headers['content-type']), /problem\+json/);
  });

  test('another grant type is unsupported_grant_type (400)', async () => {
    const response = await t.app.inject(form({ grant_type: 'password', client_id: client.clientId, client_secret: client.clientSecret }));
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<{ error: string }>().error, 'unsupported_grant_type');
  });

  test('a missing grant type is a validation error naming the field', async () => {
    const response = await t.app.inject(form({ client_id: client.clientId }));
    assert.equal(response.statusCode, 400);
    assert.ok('grant_type' in response.json<{ errors: Record<string, string> }>().errors);
  });

  test('a token stops working when it expires', async () => {
    const response = await t.app.inject(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }));
    const token = response.json<{ access_token: string }>().access_token;
    t.clock.advanceMinutes(16);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers: { authorization: `Bearer ${token}` } });
    assert.equal(list.statusCode, 401);
  });

  test('bad query parameters are a clear 400', async () => {
    const response = await t.app.inject(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }));
    const token = response.json<{ access_token: string }>().access_token;
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/organisations?kind=spaceship&limit=-4', headers: { authorization: `Bearer ${token}` } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ code: string }>().code, 'validation-failed');
  });
});

describe('the OpenAPI document', () => {
  test('is generated from the route schemas and describes the API and its security', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json<{ openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } }>();
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/api/v1/organisations']);
    assert.ok(doc.paths['/oauth/token']);
    assert.ok(doc.paths['/healthz']);
    assert.ok(doc.components.securitySchemes['clientCredentials']);
    assert.equal(doc.paths['/sign-in'], undefined, 'pages are not part of the API document');
  });
});
