import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/build-test-app.js';

let t: TestApp;
before(async () => {
  t = await buildTestApp();
});
after(async () => {
  await t.close();
});

const isProblem = (response: { headers: Record<string, unknown>; body: string }) => {
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(response.body) as { status: number; title: string; code: string; detail: string };
  assert.ok(body.title && body.code && body.detail);
  assert.doesNotMatch(response.body, /at .*\.ts:\d+|node_modules|stack/i);
  return body;
};

describe('bad input gets a clear 4xx, never a 5xx or a stack trace', () => {
  test('an unknown API route is a problem+json 404', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    assert.equal(response.statusCode, 404);
    assert.equal(isProblem(response).code, 'not-found');
  });

  test('an unknown page is the GOV.UK "Page not found" page', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 404);
    assert.match(String(response.headers['content-type']), /text\/html/);
    assert.match(response.body, /Page not found/);
    assert.match(response.body, /govuk-template/);
  });

  test('a NUL character anywhere in what is sent is a 400 naming the field, not a failure to store it', async () => {
    const json = await t.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_id: 'a\u0000b', client_secret: 'x' } });
    assert.equal(json.statusCode, 400);
    const problem = isProblem(json) as unknown as { errors: Record<string, string> };
    assert.deepEqual(Object.keys(problem.errors), ['client_id']);
    const query = await t.app.inject({ method: 'POST', url: '/oauth/token?scope=a%00b', payload: { grant_type: 'client_credentials' } });
    assert.equal(query.statusCode, 400);
    assert.deepEqual(Object.keys((isProblem(query) as unknown as { errors: Record<string, string> }).errors), ['query.scope']);
    // An agency system without a token hears that first, as for any other bad input.
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/organisations?kind=coun%00cil' })).statusCode, 401);
  });

  test('malformed JSON is a 400 that does not echo the body back', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: '{"grant_type": "client_credentials", Jane Smith',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 400);
    isProblem(response);
    assert.doesNotMatch(response.body, /Jane Smith/);
  });

  test('a wrong content type is a 415', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/oauth/token', payload: '<xml/>', headers: { 'content-type': 'application/xml' } });
    assert.equal(response.statusCode, 415);
    isProblem(response);
  });

  test('an oversize body is a 413', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: JSON.stringify({ grant_type: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 413);
    isProblem(response);
  });

  test('an oversize sign-in form is refused before it reaches the database', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: `email=${'a'.repeat(100 * 1024)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    assert.ok(response.statusCode === 413 || response.statusCode === 400, `got ${response.statusCode}`);
  });

  test('an API call without a token is a 401 that says how to get one', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/organisations' });
    assert.equal(response.statusCode, 401);
    assert.match(String(response.headers['www-authenticate']), /Bearer/);
    assert.match(isProblem(response).detail, /POST \/oauth\/token/);
  });

  test('a bad bearer token is a 401', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers: { authorization: 'Bearer not-a-real-token' } });
    assert.equal(response.statusCode, 401);
  });

  test('a page needing sign-in sends a browser to the sign-in page', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/sign-in');
  });

  test('an expired or forged session cookie is treated as signed out and cleared', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/', cookies: { signpost_session: 'forged-value' } });
    assert.equal(response.statusCode, 302);
    assert.ok(response.cookies.some((c) => c.name === 'signpost_session' && c.value === ''));
  });

  test('sign-in attempts are rate limited per address', async () => {
    const limited = await buildTestApp({ env: { SIGNPOST_SIGNIN_ATTEMPTS_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await limited.app.inject({
          method: 'POST',
          url: '/sign-in',
          payload: 'email=a%40b.test&password=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        });
        statuses.push(response.statusCode);
      }
      assert.deepEqual(statuses.slice(3), [429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('health and headers', () => {
  test('GET /healthz reports the database', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok', database: 'ok' });
  });

  test('every page carries strict security headers and a CSP nonce', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/sign-in' });
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce);
    assert.ok(response.body.includes(`nonce="${nonce}"`), 'the inline script uses the nonce');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'DENY');
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.ok(response.headers['x-request-id']);
  });

  test('GOV.UK Frontend assets are served', async () => {
    const css = await t.app.inject({ method: 'GET', url: '/stylesheets/govuk-frontend.min.css' });
    assert.equal(css.statusCode, 200);
    const font = await t.app.inject({ method: 'GET', url: '/assets/images/favicon.svg' });
    assert.equal(font.statusCode, 200);
    const traversal = await t.app.inject({ method: 'GET', url: '/stylesheets/../../package.json' });
    assert.equal(traversal.statusCode, 404);
  });
});
