import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { AuditService } from './audit.service.js';
import { verifyAudit } from './audit-verifier.js';
import { CheckpointSigner, verifyCheckpoint } from './checkpoint.js';

let database: TestDatabase;
let keys: Keyring;
let audit: AuditService;

beforeEach(async () => {
  database = await createTestDatabase();
  keys = new Keyring(randomBytes(32));
  audit = new AuditService({ db: database.db, keys, clock: new FixedClock('2026-11-23T10:00:00Z') });
});
afterEach(() => database.drop());

/** Writes n entries in separate transactions, sealing after every `sealEvery`. */
async function writeEntries(n: number, sealEvery = 7): Promise<void> {
  for (let i = 0; i < n; i++) {
    await database.db.transaction().execute((tx) => audit.record(tx, { action: 'search', actorUserId: null, reason: `reason ${i}`, outcome: 'allowed', requestId: `req-${i}` }));
    if ((i + 1) % sealEvery === 0) await audit.sealNow();
  }
  await audit.sealNow();
}

/** Runs statements as a superuser with triggers off, the way an insider with full rights could. */
async function tamper(...statements: RawBuilder<unknown>[]): Promise<void> {
  await database.db.connection().execute(async (conn) => {
    await sql`SET session_replication_role = replica`.execute(conn);
    for (const statement of statements) await statement.execute(conn);
    await sql`SET session_replication_role = origin`.execute(conn);
  });
}

describe('the tamper-evident audit log', () => {
  test('sealed entries verify, with contiguous indexes and signed checkpoints a witness can check', async () => {
    await writeEntries(30);
    const result = await verifyAudit({ db: database.db, keys });
    assert.deepEqual(result, { ok: true, treeSize: 30, checkpoints: 5 });
    const note = await audit.checkpoint();
    assert.ok(note);
    assert.match(note, /^signpost\.audit\/local\n30\n[A-Za-z0-9+/=]{44}\n\n\u2014 signpost\.audit\/local \S+\n$/);
    const parsed = verifyCheckpoint(note, new CheckpointSigner(keys).verifierKey());
    assert.equal(parsed?.treeSize, 30);
    assert.equal(verifyCheckpoint(note.replace('\n30\n', '\n31\n'), new CheckpointSigner(keys).verifierKey()), null, 'an altered note fails');
  });

  test('an entry written in a transaction that rolls back leaves no gap in the indexes', async () => {
    await writeEntries(3, 100);
    await assert.rejects(database.db.transaction().execute(async (tx) => {
      await audit.record(tx, { action: 'view', outcome: 'allowed' });
      throw new Error('the access failed');
    }));
    await writeEntries(3, 100);
    assert.deepEqual(await verifyAudit({ db: database.db, keys }), { ok: true, treeSize: 6, checkpoints: 2 });
  });

  test('the application cannot change, delete or truncate audit rows', async () => {
    await writeEntries(2);
    await assert.rejects(sql`UPDATE audit_entries SET reason = 'x'`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_entries`.execute(database.db), /append-only/);
    await assert.rejects(sql`TRUNCATE audit_entries`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_leaves`.execute(database.db), /append-only/);
    await assert.rejects(sql`UPDATE audit_checkpoints SET signed_note = ''`.execute(database.db), /append-only/);
  });

  test('an edited entry is named by its index', async () => {
    await writeEntries(20);
    await tamper(sql`UPDATE audit_entries SET reason = 'innocent' WHERE id = (SELECT entry_id FROM audit_leaves WHERE leaf_index = 12)`);
    assert.deepEqual(await verifyAudit({ db: database.db, keys }), { ok: false, firstBadIndex: 12, problem: 'the entry at index 12 has been changed or moved' });
  });

  test('a deleted entry is named by its index', async () => {
    await writeEntries(20);
    await tamper(sql`DELETE FROM audit_entries WHERE id = (SELECT entry_id FROM audit_leaves WHERE leaf_index = 4)`);
    const result = await verifyAudit({ db: database.db, keys });
    assert.equal(result.ok ? -1 : result.firstBadIndex, 4);
  });

  test('two entries swapped are caught at the first of them', async () => {
    await writeEntries(20);
    await tamper(
      sql`UPDATE audit_leaves SET entry_id = -entry_id WHERE leaf_index IN (8, 15)`,
      sql`UPDATE audit_leaves SET entry_id = (SELECT -entry_id FROM audit_leaves WHERE leaf_index = 15) WHERE leaf_index = 8`,
      sql`UPDATE audit_leaves SET entry_id = (SELECT min(e.id) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.entry_id = e.id)) WHERE leaf_index = 15`,
    );
    const result = await verifyAudit({ db: database.db, keys });
    assert.equal(result.ok ? -1 : result.firstBadIndex, 8);
  });

  test('a truncated tail is caught at the first missing index', async () => {
    await writeEntries(20);
    await tamper(sql`DELETE FROM audit_leaves WHERE leaf_index >= 17`, sql`DELETE FROM audit_entries WHERE id NOT IN (SELECT entry_id FROM audit_leaves)`);
    const result = await verifyAudit({ db: database.db, keys });
    assert.equal(result.ok ? -1 : result.firstBadIndex, 17);
  });

  test('an entry rewritten together with its stored leaf hash is caught by the signed checkpoint', async () => {
    await writeEntries(21, 7); // checkpoints at 7, 14 and 21
    // Recompute the leaf as the attacker would; only the signed root can give it away.
    const { rows } = await sql<{ entry_id: number }>`SELECT entry_id FROM audit_leaves WHERE leaf_index = 10`.execute(database.db);
    await tamper(sql`UPDATE audit_entries SET reason = 'innocent' WHERE id = ${rows[0]!.entry_id}`);
    const { leafHash } = await import('./merkle.js');
    const { canonicalEntry } = await import('./audit-entry.js');
    const entry = await sql<Record<string, unknown>>`SELECT * FROM audit_entries WHERE id = ${rows[0]!.entry_id}`.execute(database.db);
    const e = entry.rows[0]!;
    const forged = leafHash(canonicalEntry({
      id: Number(e['id']), occurredAt: e['occurred_at'] as Date, actorUserId: e['actor_user_id'] as null, actorApiClient: e['actor_api_client'] as null,
      actorOrganisationId: e['actor_organisation_id'] as null, actorRole: e['actor_role'] as null, action: e['action'] as string, childId: e['child_id'] as null,
      basis: e['basis'] as null, reason: e['reason'] as string, outcome: e['outcome'] as string, requestId: e['request_id'] as string, salt: e['salt'] as Buffer,
    }));
    await tamper(sql`UPDATE audit_leaves SET leaf_hash = ${forged} WHERE leaf_index = 10`);
    const result = await verifyAudit({ db: database.db, keys });
    assert.equal(result.ok ? -1 : result.firstBadIndex, 7, 'named from the last good checkpoint (7) — index 10 lies in 7..13');
  });
});
