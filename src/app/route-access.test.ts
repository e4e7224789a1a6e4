import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { registerRouteAccess } from '../platform/http/route-access.js';
import { registerErrorHandling } from '../platform/http/error-handler.js';
import fastifyCookie from '@fastify/cookie';

let t: TestApp;
before(async () => {
  t = await buildTestApp();
});
after(async () => {
  await t.close();
});

test('every route declares who may reach it (deny by default)', () => {
  const undeclared = t.app.routeTable.filter((route) => route.access === undefined);
  assert.deepEqual(undeclared, [], `routes without config.access: ${undeclared.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  assert.ok(t.app.routeTable.length > 10);
});

test('a route that forgets to declare a rule answers 404 to everybody', async () => {
  const app = Fastify();
  await app.register(fastifyCookie);
  app.decorateReply('renderPage', function () {
    return this.send('page');
  });
  registerErrorHandling(app);
  registerRouteAccess(app, { loadSession: async () => undefined, apiCaller: async () => ({ clientId: 'x', organisationId: 'y', sourceSystems: [] }) });
  app.get('/api/v1/forgotten', async () => ({ secret: 'data' }));
  const response = await app.inject({ method: 'GET', url: '/api/v1/forgotten' });
  assert.equal(response.statusCode, 404);
  assert.doesNotMatch(response.body, /secret/);
  await app.close();
});

test('only the sign-in pages, health, OpenAPI, the token endpoint and assets are public', () => {
  const publicRoutes = t.app.routeTable
    .filter((r) => r.access === 'public' || r.access === 'oauth-client')
    .filter((r) => r.method !== 'HEAD')
    .map((r) => r.url)
    .filter((url) => !/^\/(assets|stylesheets|public|vendor)\//.test(url));
  assert.deepEqual([...new Set(publicRoutes)].sort(), ['/healthz', '/oauth/token', '/openapi.json', '/sign-in', '/sign-out', '/signed-out'].sort());
});
