import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from './harness.js';

// Two short rounds of `npm run chaos` so CI exercises the harness and the two recovery paths it
// added: PostgreSQL killed under the app (restarted by the app itself) and a bulk import killed
// part-way (resumed). kill -9 of the app is in the full run and in embedded-postgres.test.ts.
test('chaos: with PostgreSQL and a feed import killed at random moments, no acknowledged write is lost or duplicated and the audit verifies', { timeout: 240_000 }, async () => {
  const result = await runChaos({ rounds: 2, seed: 7, writers: 2, importRows: 300, targets: ['postgres', 'import'], keep: false });
  assert.deepEqual(result.rounds.map((r) => r.problems), [[], []]);
  assert.deepEqual(result.rounds.map((r) => r.target).sort(), ['import', 'postgres']);
  assert.ok(result.acknowledged > 0, 'writes were acknowledged');
  assert.equal(result.lost, 0);
  assert.equal(result.duplicated, 0);
  assert.ok(result.rounds.every((r) => r.auditVerified));
  assert.ok(result.ok);
});
