import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/build-test-app.js';
import { anAccount, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../../test/factories/accounts.js';
import { signInAs, type HttpSession } from '../../../test/http-session.js';

// Searches allow 60 a minute; with the factor at 2 that is 120.
const SEARCHES_PER_MINUTE = 60;
let t: TestApp;

before(async () => {
  t = await buildTestApp({ env: { SIGNPOST_RATE_LIMIT_FACTOR: '2' } });
});
after(async () => {
  await t.close();
});

/** Posts an invalid search (no reason): cheap, and still counted by the limit. */
async function searchUntilLimited(session: HttpSession, attempts: number): Promise<number[]> {
  await session.get('/children/search');
  const statuses: number[] = [];
  for (let i = 0; i < attempts; i++) statuses.push((await session.post('/children/search', { familyName: 'Example' })).statusCode);
  return statuses;
}

describe('rate limits', () => {
  test('count per signed-in user, not per address: colleagues behind one proxy each get their own allowance', async () => {
    const first = await signInAs(t.app, t.clock, (await anAccount(t)).email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const second = await signInAs(t.app, t.clock, (await anAccount(t)).email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const allowance = SEARCHES_PER_MINUTE * 2;

    const firstStatuses = await searchUntilLimited(first, allowance + 2);
    assert.ok(firstStatuses.slice(0, allowance).every((s) => s === 400), 'within the scaled allowance every search is answered');
    assert.deepEqual(firstStatuses.slice(allowance), [429, 429], 'past it the user is told to slow down');

    const secondStatuses = await searchUntilLimited(second, 3);
    assert.deepEqual(secondStatuses, [400, 400, 400], 'a colleague at the same address is not limited by the first user');
  });
});
