import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { runSignpost } from '../../test/cli.js';
import { DEMO_SCENARIOS } from './scenarios.js';

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase();
});
after(() => database.drop());

const signpost = (...args: string[]) => runSignpost(database.url, args);

test('signpost demo scenarios says what to do when there is no demo yet, then prints the walkthrough', async () => {
  const empty = await signpost('demo', 'scenarios');
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /not in this database: start the demo with {2}npm start/);

  const seeded = await signpost('seed', '--seed', '4', '--children', '60');
  assert.equal(seeded.code, 0, seeded.stderr);
  const walkthrough = await signpost('demo', 'scenarios');
  assert.equal(walkthrough.code, 0, walkthrough.stderr);
  const out = walkthrough.stdout;
  assert.match(out, /Password for every account: demo-password-2026/);
  for (const scenario of DEMO_SCENARIOS) {
    assert.ok(out.includes(`Sign in as    ${scenario.signInAs}`), scenario.key);
    assert.ok(out.includes(`first name "${scenario.search.givenNames}", last name "${scenario.search.familyName}", date of birth `), scenario.key);
  }
  assert.match(out, /recorded as Maisie Jade Pemberton/);
  assert.match(out, /date of birth \d{2} \d{2} \d{4}/);
  // Synthetic names for the operator's console only: nothing about the children goes to the log.
  assert.doesNotMatch(walkthrough.stderr, /Pemberton|Fairweather|Hartley/);
});
