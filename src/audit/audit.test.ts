import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { FixedClock } from '../platform/time/clock.js';
import { createLogger } from '../platform/logging/logger.js';
import { canonicalEntry } from './audit-entry.js';
import { AuditService } from './audit.service.js';
import { startAuditSealer } from './audit-sealer.js';
import { verifyAudit } from './audit-verifier.js';
import { CheckpointSigner, verifyCheckpoint } from './checkpoint.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';

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

const entryIdAt = (index: number) => sql`(SELECT entry_id FROM audit_leaves WHERE leaf_index = ${index})`;
/**
 * Every verdict is checked twice: read in this thread, and by two threads in chunks of 3 leaves —
 * so problems land at chunk edges, in both threads, and after chunks that are still in flight.
 */
const MODES = [{ name: 'in one thread', options: {} }, { name: 'by two threads in chunks of 3', options: { threads: 2, chunkSize: 3 } }];
let mode = MODES[0]!;
const verify = () => verifyAudit({ db: database.db, keys, databaseUrl: database.url }, undefined, mode.options);
const firstBad = async () => {
  const result = await verify();
  return result.ok ? -1 : result.firstBadIndex;
};

for (const each of MODES) describe(`the tamper-evident audit log, verified ${each.name}`, () => {
  beforeEach(() => { mode = each; });

  test('sealed entries verify, with contiguous indexes and signed checkpoints a witness can check', async () => {
    await writeEntries(30);
    assert.deepEqual(await verify(), { ok: true, treeSize: 30, checkpoints: 5 });
    const note = await audit.checkpoint();
    assert.ok(note);
    assert.match(note, /^signpost\.audit\/local\n30\n[A-Za-z0-9+/=]{44}\n\n\u2014 signpost\.audit\/local [A-Za-z0-9+/=]{92}\n$/);
    const witnessKey = new CheckpointSigner(keys).verifierKey();
    assert.match(witnessKey, /^signpost\.audit\/local\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{44}$/);
    assert.equal(verifyCheckpoint(note, witnessKey)?.treeSize, 30);
    assert.equal(verifyCheckpoint(note.replace('\n30\n', '\n31\n'), witnessKey), null, 'an altered note fails');
    assert.equal(verifyCheckpoint(note, new CheckpointSigner(new Keyring(randomBytes(32))).verifierKey()), null, 'another key fails');
    assert.equal(verifyCheckpoint(note, new CheckpointSigner(keys, 'signpost.audit/other').verifierKey()), null, 'another origin fails');
  });

  test('the signing key is derived from the keyring: the same keyring gives the same verifier key', () => {
    const kek = randomBytes(32);
    assert.equal(new CheckpointSigner(new Keyring(kek), 'signpost.audit/leeds').verifierKey(), new CheckpointSigner(new Keyring(kek), 'signpost.audit/leeds').verifierKey());
  });

  test('an entry written in a transaction that rolls back leaves no gap in the indexes', async () => {
    await writeEntries(3, 100);
    await assert.rejects(database.db.transaction().execute(async (tx) => {
      await audit.record(tx, { action: 'view', outcome: 'allowed' });
      throw new Error('the access failed');
    }));
    await writeEntries(3, 100);
    assert.deepEqual(await verify(), { ok: true, treeSize: 6, checkpoints: 2 });
  });

  test('an entry whose transaction commits after later ones is sealed once, in a later round, without gaps', async () => {
    await writeEntries(2, 100);
    let releaseSlow!: () => void;
    const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
    let slowHasWritten!: () => void;
    const slowWritten = new Promise<void>((resolve) => (slowHasWritten = resolve));
    const slow = database.db.transaction().execute(async (tx) => {
      await audit.record(tx, { action: 'view', reason: 'slow', outcome: 'allowed' });
      slowHasWritten();
      await slowMayCommit;
    });
    await slowWritten;
    await writeEntries(3, 100);
    assert.equal((await audit.sealNow()).treeSize, 5, 'the still-open transaction is not sealed yet');
    releaseSlow();
    await slow;
    assert.deepEqual(await audit.sealNow(), { treeSize: 6, added: 1 });
    assert.deepEqual(await audit.sealNow(), { treeSize: 6, added: 0 }, 'nothing is sealed twice');
    assert.deepEqual(await verify(), { ok: true, treeSize: 6, checkpoints: 3 });
    const { rows } = await sql<{ reason: string }>`SELECT e.reason FROM audit_leaves l JOIN audit_entries e ON e.id = l.entry_id WHERE l.leaf_index = 5`.execute(database.db);
    assert.equal(rows[0]?.reason, 'slow', 'the late entry took the next index although its id is lower');
  });

  test('concurrent writers and sealers produce one contiguous tree holding every entry exactly once', async () => {
    const writers = Array.from({ length: 8 }, (_, w) => (async () => {
      for (let i = 0; i < 25; i++) await database.db.transaction().execute((tx) => audit.record(tx, { action: 'view', reason: `w${w} ${i}`, outcome: 'allowed' }));
    })());
    const sealers = Array.from({ length: 3 }, () => (async () => {
      for (let i = 0; i < 10; i++) await audit.sealNow();
    })());
    await Promise.all([...writers, ...sealers]);
    await audit.sealNow();
    const result = await verify();
    assert.equal(result.ok && result.treeSize, 200);
  });

  test('entry_xid cannot be forged on insert: it is always the writer\'s own transaction', async () => {
    await sql`INSERT INTO audit_entries (entry_xid, occurred_at, action, outcome, salt) VALUES ('3', now(), 'view', 'allowed', ${randomBytes(16)})`.execute(database.db);
    assert.deepEqual(await audit.sealNow(), { treeSize: 1, added: 1 });
  });

  test('the application cannot change, delete or truncate audit rows', async () => {
    await writeEntries(2);
    await assert.rejects(sql`UPDATE audit_entries SET reason = 'x'`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_entries`.execute(database.db), /append-only/);
    await assert.rejects(sql`TRUNCATE audit_entries`.execute(database.db), /append-only/);
    await assert.rejects(sql`UPDATE audit_leaves SET leaf_hash = ${randomBytes(32)}`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_leaves`.execute(database.db), /append-only/);
    await assert.rejects(sql`TRUNCATE audit_leaves`.execute(database.db), /append-only/);
    await assert.rejects(sql`UPDATE audit_checkpoints SET signed_note = ''`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_checkpoints`.execute(database.db), /append-only/);
    await assert.rejects(sql`TRUNCATE audit_checkpoints`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_sealer_state`.execute(database.db), /append-only/);
    await assert.rejects(sql`TRUNCATE audit_sealer_state CASCADE`.execute(database.db), /append-only/);
    assert.deepEqual(await verify(), { ok: true, treeSize: 2, checkpoints: 1 });
  });

  test('an edited entry is named by its index', async () => {
    await writeEntries(20);
    await tamper(sql`UPDATE audit_entries SET reason = 'innocent' WHERE id = ${entryIdAt(12)}`);
    assert.deepEqual(await verify(), { ok: false, firstBadIndex: 12, problem: 'the entry at index 12 has been changed or moved' });
  });

  test('a stored leaf hash with a byte added after the true 32 is caught at its index, not the next', async () => {
    await writeEntries(20);
    await tamper(sql`UPDATE audit_leaves SET leaf_hash = leaf_hash || '\\x00'::bytea WHERE leaf_index = 6`);
    assert.deepEqual(await verify(), { ok: false, firstBadIndex: 6, problem: 'the entry at index 6 has been changed or moved' });
  });

  test('a salt with a byte added or a NULL action is caught at its index', async () => {
    await writeEntries(20);
    await tamper(sql`UPDATE audit_entries SET salt = salt || '\\x00'::bytea WHERE id = ${entryIdAt(5)}`);
    assert.equal(await firstBad(), 5);
    await tamper(sql`ALTER TABLE audit_entries ALTER COLUMN action DROP NOT NULL`, sql`UPDATE audit_entries SET action = NULL WHERE id = ${entryIdAt(2)}`);
    assert.equal(await firstBad(), 2);
  });

  test('a time moved by a microsecond is caught: the hash covers the column\'s full precision', async () => {
    await writeEntries(10);
    await tamper(sql`UPDATE audit_entries SET occurred_at = occurred_at + interval '1 microsecond' WHERE id = ${entryIdAt(3)}`);
    assert.equal(await firstBad(), 3);
  });

  test('a deleted entry is named by its index', async () => {
    await writeEntries(20);
    await tamper(sql`DELETE FROM audit_entries WHERE id = ${entryIdAt(4)}`);
    assert.equal(await firstBad(), 4);
  });

  test('two entries whose contents were swapped are caught at the first of them', async () => {
    await writeEntries(20);
    // Swap every column but the identity (salt included), as a superuser would to move a look-up.
    const columns = sql.raw('occurred_at, actor_user_id, actor_api_client, actor_organisation_id, actor_role, action, child_id, basis, reason, outcome, request_id, salt');
    await tamper(
      sql`CREATE TEMP TABLE swap AS SELECT id, ${columns} FROM audit_entries WHERE id IN (${entryIdAt(8)}, ${entryIdAt(15)})`,
      sql`UPDATE audit_entries e SET (${columns}) = (SELECT ${columns} FROM swap s WHERE s.id <> e.id) WHERE e.id IN (SELECT id FROM swap)`,
    );
    const { rows } = await sql<{ reason: string }>`SELECT reason FROM audit_entries WHERE id = ${entryIdAt(8)}`.execute(database.db);
    assert.equal(rows[0]?.reason, 'reason 15', 'the rows really were swapped');
    assert.equal(await firstBad(), 8);
  });

  test('two leaves pointing at each other\'s entries are caught at the first of them', async () => {
    await writeEntries(20);
    await tamper(
      sql`UPDATE audit_leaves SET entry_id = -entry_id WHERE leaf_index IN (8, 15)`,
      sql`UPDATE audit_leaves SET entry_id = (SELECT -entry_id FROM audit_leaves WHERE leaf_index = 15) WHERE leaf_index = 8`,
      sql`UPDATE audit_leaves SET entry_id = (SELECT min(e.id) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.entry_id = e.id)) WHERE leaf_index = 15`,
    );
    assert.equal(await firstBad(), 8);
  });

  test('a truncated tail (entries and leaves) is caught at the first missing index', async () => {
    await writeEntries(20);
    await tamper(sql`DELETE FROM audit_leaves WHERE leaf_index >= 17`, sql`DELETE FROM audit_entries WHERE id NOT IN (SELECT entry_id FROM audit_leaves)`);
    assert.deepEqual(await verify(), { ok: false, firstBadIndex: 17, problem: 'a signed checkpoint covers 20 entries but leaf 17 is missing' });
  });

  test('a removed leaf in the middle is caught at its index', async () => {
    await writeEntries(20);
    await tamper(sql`DELETE FROM audit_leaves WHERE leaf_index = 9`);
    assert.equal(await firstBad(), 9);
  });

  test('an entry rewritten together with its stored leaf hash is caught by the signed checkpoint', async () => {
    await writeEntries(21, 7); // checkpoints at 7, 14 and 21
    // Rewrite the entry and recompute its leaf as the attacker would; only the signed root can give it away.
    await tamper(sql`UPDATE audit_entries SET reason = 'innocent' WHERE id = ${entryIdAt(10)}`);
    const { rows } = await sql<Record<string, unknown>>`
      SELECT *, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM audit_entries WHERE id = ${entryIdAt(10)}`.execute(database.db);
    const e = rows[0]!;
    const forged = leafHash(canonicalEntry({
      id: Number(e['id']), occurredAt: e['at'] as string, actorUserId: null, actorApiClient: null, actorOrganisationId: null, actorRole: null,
      action: e['action'] as string, childId: null, basis: null, reason: e['reason'] as string, outcome: e['outcome'] as string,
      requestId: e['request_id'] as string, salt: e['salt'] as Buffer,
    }));
    await tamper(sql`UPDATE audit_leaves SET leaf_hash = ${forged} WHERE leaf_index = 10`);
    // 7, not 10: leaves 0–6 are pinned by the checkpoint at 7, which still verifies; the one at 14
    // only says some leaf in 7–13 changed. See verifyAudit.
    assert.deepEqual(await verify(), {
      ok: false, firstBadIndex: 7, problem: 'the signed checkpoint at size 14 does not match the leaves from index 7: one of them was rewritten',
    });
  });

  test('a checkpoint whose signature was replaced is caught', async () => {
    await writeEntries(14, 7);
    const forger = new CheckpointSigner(new Keyring(randomBytes(32)));
    const { rows } = await sql<{ root_hash: Buffer }>`SELECT root_hash FROM audit_checkpoints WHERE tree_size = 14`.execute(database.db);
    await tamper(sql`UPDATE audit_checkpoints SET signed_note = ${forger.sign(14, rows[0]!.root_hash)} WHERE tree_size = 14`);
    const result = await verify();
    assert.equal(result.ok ? -1 : result.firstBadIndex, 7);
    assert.match(result.ok ? '' : result.problem, /does not carry a valid signature/);
  });

  test('leaves appended without a signed checkpoint are caught', async () => {
    await writeEntries(5);
    await audit.record(database.db, { action: 'view', outcome: 'allowed' });
    await tamper(sql`INSERT INTO audit_leaves (leaf_index, entry_id, leaf_hash) SELECT 5, max(id), ${randomBytes(32)} FROM audit_entries`);
    assert.deepEqual(await verify(), { ok: false, firstBadIndex: 5, problem: 'leaf 5 is not covered by any signed checkpoint (the newest covers 5)' });
  });

  test('an entry slipped in among already-sealed history is reported', async () => {
    await writeEntries(5);
    // As superuser with triggers off, so the forged old xid sticks: the sealer will never take it.
    await tamper(sql`INSERT INTO audit_entries (entry_xid, occurred_at, action, outcome, salt) VALUES ('3', now(), 'view', 'allowed', ${randomBytes(16)})`);
    assert.deepEqual(await verify(), { ok: false, firstBadIndex: 5, problem: 'entries that were already sealed are missing from the tree' });
  });

  test('inclusion and consistency proofs verify against the signed checkpoints alone', async () => {
    await writeEntries(21, 7);
    const witnessKey = audit.verifierKey();
    for (const [index, size] of [[0, 21], [10, 21], [20, 21], [3, 7], [13, 14]] as const) {
      const proof = await audit.prove(index, size);
      const checkpoint = verifyCheckpoint(proof.checkpoint, witnessKey);
      assert.ok(checkpoint);
      assert.ok(verifyInclusion(index, checkpoint.treeSize, Buffer.from(proof.leafHash, 'base64'), proof.auditPath.map((h) => Buffer.from(h, 'base64')), checkpoint.root));
    }
    const consistency = await audit.proveConsistency(7);
    const older = verifyCheckpoint(consistency.fromCheckpoint!, witnessKey)!;
    const newer = verifyCheckpoint(consistency.toCheckpoint, witnessKey)!;
    assert.ok(verifyConsistency(7, 21, older.root, newer.root, consistency.proof.map((h) => Buffer.from(h, 'base64'))));
    await assert.rejects(audit.prove(21), { code: 'validation-failed', message: /outside the signed tree of 21 entries/ });
    await assert.rejects(audit.prove(0, 8), { code: 'not-found', message: /No signed checkpoint has size 8/ });
  });

  test('the background sealer seals on its own, and sealNow and stop wait for it', async () => {
    const logger = createLogger({ logLevel: 'silent' });
    const sealer = startAuditSealer({ db: database.db, keys, clock: new FixedClock('2026-11-23T10:00:00Z'), logger, intervalMs: 20 });
    try {
      await audit.record(database.db, { action: 'sign_in', outcome: 'allowed' });
      const deadline = Date.now() + 5_000;
      while ((await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_leaves`.execute(database.db)).rows[0]!.n === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(await verify(), { ok: true, treeSize: 1, checkpoints: 1 });
      await audit.record(database.db, { action: 'sign_out', outcome: 'allowed' });
      // Whether the timer or sealNow takes it, sealNow returns once it is in the tree.
      assert.equal((await sealer.sealNow()).treeSize, 2);
    } finally {
      await sealer.stop();
    }
  });
});
