import net from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/build-test-app.js';
import { anAccount, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../../test/factories/accounts.js';
import { signInAs, type HttpSession } from '../../../test/http-session.js';

let t: TestApp;
let session: HttpSession;

before(async () => {
  t = await buildTestApp({ env: { SIGNPOST_MAX_IN_FLIGHT: '2' } });
  const { email } = await anAccount(t);
  session = await signInAs(t.app, t.clock, email, TEST_PASSWORD, TEST_TOTP_SECRET);
});
after(() => t.close());

test('past the in-flight limit requests are shed at once with 503 and Retry-After, and the rest are served', async () => {
  const responses = await Promise.all(Array.from({ length: 30 }, () => session.get('/')));
  const shed = responses.filter((r) => r.statusCode === 503);
  const served = responses.filter((r) => r.statusCode === 200);
  assert.ok(shed.length > 0, 'some requests are shed');
  assert.ok(served.length >= 2, 'the limit still serves requests');
  assert.equal(shed.length + served.length, responses.length, 'nothing but 200 or 503');
  for (const r of shed) {
    assert.equal(r.headers['retry-after'], '2');
    assert.match(r.body, /very busy/);
  }
  // Once the burst has drained, everything is served again: the counter does not leak.
  for (let i = 0; i < 5; i++) assert.equal((await session.get('/')).statusCode, 200);
});

test('health checks are never shed', async () => {
  const responses = await Promise.all(Array.from({ length: 20 }, () => t.app.inject({ method: 'GET', url: '/healthz' })));
  assert.ok(responses.every((r) => r.statusCode === 200));
});

test('an API client is told the same in problem+json', async () => {
  const responses = await Promise.all(Array.from({ length: 30 }, () => t.app.inject({ method: 'GET', url: '/api/v1/organisations' })));
  const shed = responses.find((r) => r.statusCode === 503);
  assert.ok(shed);
  assert.equal(shed.json<{ code: string }>().code, 'overloaded');
});

test('clients that hang up while their request is being handled do not use up the limit for good', async () => {
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { hostname, port } = new URL(address);
  const cookie = [...session.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  // Each client starts a form post, sends half its body and hangs up.
  for (let i = 0; i < 12; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`POST /children/search HTTP/1.1\r\nHost: ${hostname}\r\nCookie: ${cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nreason=safeguarding`, () => {
          socket.destroy();
          resolve();
        });
      });
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let i = 0; i < 3; i++) assert.equal((await session.get('/')).statusCode, 200, 'the slots came back');
});
