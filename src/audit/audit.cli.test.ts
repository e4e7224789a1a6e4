import { after, afterEach, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import { registerAuditCommands } from './audit.cli.js';
import { AuditService } from './audit.service.js';
import { verifyCheckpoint } from './checkpoint.js';
import { verifyInclusion } from './merkle.js';

let database: TestDatabase;
const keys = new Keyring(randomBytes(32));
const clock = new FixedClock('2026-11-23T10:00:00Z');

before(async () => {
  database = await createTestDatabase();
  const audit = new AuditService({ db: database.db, keys, clock });
  for (let i = 0; i < 12; i++) await audit.record(database.db, { action: 'view', reason: `case review ${i}`, outcome: 'allowed' });
});
after(() => database.drop());
afterEach(() => {
  process.exitCode = 0;
  mock.restoreAll();
});

/** Runs `signpost audit …` in-process against the test database; returns what it printed. */
async function run(...args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  let out = '';
  let err = '';
  mock.method(console, 'log', (...parts: unknown[]) => (out += `${parts.join(' ')}\n`));
  mock.method(console, 'error', (...parts: unknown[]) => (err += `${parts.join(' ')}\n`));
  const program = new Command().name('signpost').exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerAuditCommands(program, (work) => work({ db: database.db, databaseUrl: database.url, keys, clock }));
  try {
    await program.parseAsync(['node', 'signpost', 'audit', ...args]);
  } finally {
    mock.restoreAll();
  }
  return { out, err, exitCode: Number(process.exitCode ?? 0) };
}

describe('signpost audit', () => {
  test('every audit command has --help', async () => {
    for (const command of ['verify', 'checkpoint', 'prove', 'public-key']) {
      await assert.rejects(run(command, '--help'), { code: 'commander.helpDisplayed' });
    }
    const help = await run('--help').catch((error: unknown) => error);
    assert.equal((help as { code: string }).code, 'commander.helpDisplayed');
  });

  test('checkpoint seals what is waiting and prints the signed note; public-key checks it', async () => {
    const { out } = await run('checkpoint');
    assert.match(out, /^signpost\.audit\/local\n12\n/);
    const key = (await run('public-key')).out.trim();
    assert.equal(verifyCheckpoint(out, key)?.treeSize, 12);
  });

  test('prove prints an inclusion proof a witness can check with the note and the public key alone', async () => {
    const { out } = await run('prove', '--index', '5');
    const proof = JSON.parse(out) as { leafIndex: number; treeSize: number; leafHash: string; auditPath: string[]; checkpoint: string };
    const checkpoint = verifyCheckpoint(proof.checkpoint, (await run('public-key')).out.trim());
    assert.ok(checkpoint);
    assert.equal(proof.treeSize, checkpoint.treeSize);
    assert.ok(verifyInclusion(5, proof.treeSize, Buffer.from(proof.leafHash, 'base64'), proof.auditPath.map((h) => Buffer.from(h, 'base64')), checkpoint.root));
  });

  test('prove explains an index outside the tree or a size with no checkpoint', async () => {
    await run('checkpoint');
    await assert.rejects(run('prove', '--index', '12'), (error: unknown) => error instanceof ValidationError && /indexes run from 0 to 11/.test(error.message));
    await assert.rejects(run('prove', '--index', '1', '--size', '5'), (error: unknown) => error instanceof NotFoundError && /No signed checkpoint has size 5/.test(error.message));
    await assert.rejects(run('prove', '--index', 'two'), { code: 'commander.invalidArgument' });
  });

  test('verify says the log verifies, then exits 1 naming the first bad index after tampering', async () => {
    await run('checkpoint');
    const good = await run('verify');
    assert.match(good.out, /The audit log verifies: 12 entries, 1 signed checkpoints/);
    assert.equal(good.exitCode, 0);
    await database.db.connection().execute(async (conn) => {
      await sql`SET session_replication_role = replica`.execute(conn);
      await sql`UPDATE audit_entries SET reason = 'nothing to see' WHERE id = (SELECT entry_id FROM audit_leaves WHERE leaf_index = 3)`.execute(conn);
      await sql`SET session_replication_role = origin`.execute(conn);
    });
    const bad = await run('verify');
    assert.equal(bad.exitCode, 1);
    assert.match(bad.err, /does NOT verify\. First bad index: 3 /);
  });
});
