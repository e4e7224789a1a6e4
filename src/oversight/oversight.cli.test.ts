import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { AuditService } from '../audit/audit.service.js';
import { registerOversightCommands } from './oversight.cli.js';
import { OversightService } from './oversight.service.js';

let database: TestDatabase;
let oversight: OversightService;
const keys = new Keyring(randomBytes(32));
const clock = new FixedClock('2026-11-23T10:00:00Z');
const userId = randomUUID();

before(async () => {
  database = await createTestDatabase();
  const audit = new AuditService({ db: database.db, keys, clock });
  oversight = new OversightService({ db: database.db, clock, keys, audit });
  // 31 looks at child records in 31 minutes by one person: a bulk-viewing burst.
  for (let i = 0; i < 31; i++) {
    await audit.record(database.db, { actorUserId: userId, actorOrganisationId: randomUUID(), actorRole: 'social_worker', action: 'view', childId: randomUUID(), basis: 'stated reason', reason: 'visit', outcome: 'allowed' });
    clock.advanceMinutes(1);
  }
});
after(() => database.drop());

/** Runs `signpost oversight …` in-process against the test database; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  let out = '';
  mock.method(console, 'log', (...parts: unknown[]) => (out += `${parts.join(' ')}\n`));
  const program = new Command().name('signpost').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  registerOversightCommands(program, (work) => work(oversight));
  try {
    await program.parseAsync(['node', 'signpost', 'oversight', ...args]);
  } finally {
    mock.restoreAll();
  }
  return out;
}

describe('signpost oversight scan', () => {
  test('has --help', async () => {
    await assert.rejects(run('scan', '--help'), { code: 'commander.helpDisplayed' });
  });

  test('seals, scans and reports the alert raised; a second run finds nothing new', async () => {
    assert.equal(await run('scan'), 'Scanned 31 audit entries: 1 new alert, 0 existing alerts added to.\n');
    assert.equal(await run('scan'), 'Scanned 0 audit entries: 0 new alerts, 0 existing alerts added to.\n');
    const alerts = await database.db.selectFrom('access_alerts').select(['rule', 'subject_user_id']).execute();
    assert.deepEqual(alerts, [{ rule: 'bulk_viewing', subject_user_id: userId }]);
  });
});
