import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';

let t: TestApp;
let signedIn: HttpSession;
let bearer: string;

before(async () => {
  t = await buildTestApp();
  const { email } = await anAccount(t);
  signedIn = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
  const client = await t.services.apiClients.register((await t.services.organisations.list({ limit: 1, offset: 0 }))[0]!.id, 'fuzz');
  bearer = (await t.services.apiClients.issueToken(client.clientId, client.clientSecret))!.accessToken;
});
after(async () => {
  await t.close();
});

const contentTypes = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', ''];
const junk = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom('_csrf', 'email', 'password', 'code', 'grant_type', 'client_id', 'client_secret', 'kind', '__proto__', 'constructor'), fc.string({ maxLength: 50 })).map((d) => new URLSearchParams(d).toString()),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

test('every route answers generated requests with a clear 4xx or success, never a 5xx or a stack trace', async () => {
  const routes = [...new Set(t.app.routeTable.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))];
  assert.ok(routes.length > 10);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.constantFrom('anonymous', 'session', 'bearer', 'bad-bearer'),
      fc.constantFrom(...contentTypes),
      junk,
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', '?kind=council', '?limit=abc', '?offset=-1', '?x=%00', '?kind[]=a&kind[]=b', '?%zz'),
      async (route, who, contentType, body, pathJunk, query) => {
        const [method, url] = route.split(' ') as [string, string];
        const path = url.replace('*', encodeURIComponent(pathJunk)).replace(/:([a-z]+)/gi, encodeURIComponent(pathJunk) || 'x');
        const headers: Record<string, string> = {};
        if (contentType) headers['content-type'] = contentType;
        if (who === 'bearer') headers['authorization'] = `Bearer ${bearer}`;
        if (who === 'bad-bearer') headers['authorization'] = `Bearer ${pathJunk.replace(/[^\x20-\x7e]/g, '') || 'x'}`;
        const options = { method: method as 'GET', url: path + query, headers, ...(method === 'GET' ? {} : { payload: body }) };
        const response = who === 'session' ? await signedIn.request(options) : await t.app.inject(options);
        assert.ok(response.statusCode < 500, `${method} ${path}${query} as ${who} → ${response.statusCode}: ${response.body.slice(0, 300)}`);
        assert.doesNotMatch(response.body, /\bat [^\n]+\.(ts|js):\d+:\d+/, 'no stack trace');
      },
    ),
    { numRuns: 400, seed: 20261122 },
  );
});
