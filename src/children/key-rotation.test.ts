import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { PROJECT_ROOT } from '../platform/config/paths.js';
import { ConfigError, loadConfig } from '../platform/config/config.js';
import { DecryptionError } from '../platform/crypto/aead.js';
import { Keyring, loadKeyring } from '../platform/crypto/keyring.js';
import { ConflictError } from '../platform/http/errors.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { ChildCrypto } from './child-crypto.js';
import { ChildrenService } from './children.service.js';
import { KeyRotationService } from './key-rotation.js';
import type { Child } from './child-identity.js';

const exec = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'bin', 'signpost.mjs');
const FAMILY_NAMES = ['Quillfeather', 'Ashworth', 'Brennan-Lowe', "O'Doherty", 'Nakamura', 'Okonkwo', 'Ravensdale'];
const TOTP_PURPOSE = 'totp-secret';

/** One database and one key folder per test: a rotation touches every row in the database. */
interface World {
  database: TestDatabase;
  dataDir: string;
  keysDir: string;
  councilId: string;
  /** The keyring a running server loaded at start (key files beside kek.key). */
  keys: Keyring;
  children: ChildrenService;
  rotation: KeyRotationService;
}

async function world(t: TestContext, options: { kek?: string } = {}): Promise<World> {
  const database = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'signpost-keys-'));
  t.after(async () => {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const councilId = await insertOrganisation(database.db, { code: 'TST', kind: 'council', name: 'Test Council' });
  const keys = loadKeyring({ keyEncryptionKey: options.kek, dataDir });
  return {
    database, dataDir, keysDir: path.join(dataDir, 'keys'), councilId, keys,
    children: new ChildrenService({ db: database.db, keys }),
    rotation: new KeyRotationService({ db: database.db, keys }),
  };
}

function someChildren(councilId: string, count: number): Child[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    responsibleCouncilId: councilId,
    recordTrigger: 'child_in_need' as const,
    triggerDate: '2026-10-01',
    sex: i % 2 === 0 ? 'female' as const : 'male' as const,
    unborn: false,
    shielded: false,
    identity: {
      givenNames: i % 5 === 0 ? null : `Given${String.fromCharCode(97 + (i % 26))}`,
      familyName: `${FAMILY_NAMES[i % FAMILY_NAMES.length]!}${i}`,
      formerFamilyNames: i % 3 === 0 ? ['Formerly'] : [],
      dateOfBirth: `201${i % 10}-0${1 + (i % 9)}-1${i % 10}`,
      address: i % 4 === 0 ? { kind: 'no_known_address' as const } : { kind: 'known' as const, lines: [`${i} Hyde Park Road`], town: 'Leeds', postcode: 'LS6 2AB' },
      nhsNumber: null,
    },
  }));
}

async function wrappedKeys(database: TestDatabase): Promise<Map<string, { wrapVersion: number; wrappedKey: Buffer }>> {
  const rows = await database.db.selectFrom('child_keys').select(['child_id', 'wrap_version', 'wrapped_key']).execute();
  return new Map(rows.map((r) => [r.child_id, { wrapVersion: r.wrap_version, wrappedKey: r.wrapped_key }]));
}

async function assertAllRead(service: ChildrenService, expected: readonly Child[]): Promise<void> {
  for (const child of expected) assert.deepEqual(await service.read(child.id), child, `child ${child.id} reads back identically`);
}

/** What `signpost serve` would load after a restart: the same folder, read afresh. */
const restarted = (w: World) => {
  const keys = loadKeyring({ keyEncryptionKey: undefined, dataDir: w.dataDir });
  return { keys, children: new ChildrenService({ db: w.database.db, keys }) };
};

describe('rotating the wrapping key of child data keys', () => {
  test('every child reads back identically, every row moves to the new version with new bytes, and search, TOTP and audit keys are untouched', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 25);
    await w.children.add(added);
    const totpSealed = w.keys.sealFor(TOTP_PURPOSE, Buffer.from('JBSWY3DPEHPK3PXP'), 'user:u1:totp');
    const derivedBefore = ['blind-index', 'audit-checkpoint-signing', TOTP_PURPOSE].map((p) => w.keys.derive(p));
    const before = await wrappedKeys(w.database);
    assert.equal(before.size, 25);
    assert.ok([...before.values()].every((r) => r.wrapVersion === 1), 'children are wrapped under version 1 until a rotation');

    const progress: [string, number, number][] = [];
    const result = await w.rotation.rotate({ newKey: true, batchSize: 7, onProgress: (...p) => progress.push(p) });

    assert.equal(result.version, 2);
    assert.equal(result.created?.version, 2);
    assert.equal(result.created.file, path.join(w.keysDir, 'wrap-v2.key'));
    assert.equal(fs.statSync(result.created.file).mode & 0o777, 0o600, 'the new key file is 0600');
    assert.equal(Buffer.from(fs.readFileSync(result.created.file, 'utf8').trim(), 'base64').length, 32);
    assert.deepEqual([result.rewrapped, result.remaining, result.failed, result.stopped], [25, 0, [], false]);
    assert.deepEqual(progress.at(-1), ['re-wrapping', 25, 25]);
    assert.equal(progress.length, 1 + 4, 'progress at the start and after each batch of 7');

    const after = await wrappedKeys(w.database);
    for (const [childId, row] of after) {
      assert.equal(row.wrapVersion, 2);
      assert.ok(!row.wrappedKey.equals(before.get(childId)!.wrappedKey), 'the wrapped bytes changed');
    }
    // The same data keys: the sealed fields were not touched, yet everything opens.
    await assertAllRead(w.children, added);
    const server = restarted(w);
    await assertAllRead(server.children, added);
    const target = added[3]!;
    const [best] = await server.children.findCandidates({ familyName: target.identity.familyName, dateOfBirth: target.identity.dateOfBirth });
    assert.equal(best?.childId, target.id, 'blind-index search still finds the child');
    assert.equal(server.keys.openFor(TOTP_PURPOSE, totpSealed, 'user:u1:totp').toString(), 'JBSWY3DPEHPK3PXP', 'a TOTP secret sealed before still opens');
    assert.deepEqual(['blind-index', 'audit-checkpoint-signing', TOTP_PURPOSE].map((p) => server.keys.derive(p)), derivedBefore, 'the root secret is unchanged');

    // Children added after the rotation are wrapped under the new version.
    const later = someChildren(w.councilId, 2);
    await server.children.add(later);
    assert.ok([...(await wrappedKeys(w.database)).values()].every((r) => r.wrapVersion === 2));

    const status = await w.rotation.status();
    assert.equal(status.currentVersion, 2);
    assert.equal(status.belowCurrent, 0);
    assert.deepEqual(status.versions.map((v) => [v.version, v.rows, v.available]), [[1, 0, true], [2, 27, true]]);
    assert.deepEqual(status.unused, [], 'version 1 is derived from the root secret: no file to delete');
  });

  test('a server that loaded its keys before the rotation reads re-wrapped children and wraps new ones under the new key', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 6);
    await w.children.add(added);
    // The CLI is another process with its own keyring; the server's (w.keys) never saw wrap-v2.key.
    const cli = restarted(w);
    const result = await new KeyRotationService({ db: w.database.db, keys: cli.keys }).rotate({ newKey: true });
    assert.equal(result.rewrapped, 6);
    // Writing first: the server must notice the new key without having had to read under it.
    const fresh = someChildren(w.councilId, 1);
    await w.children.add(fresh);
    assert.equal((await wrappedKeys(w.database)).get(fresh[0]!.id)?.wrapVersion, 2, 'a new child is wrapped under the new key');
    await assertAllRead(w.children, [...added, ...fresh]);
  });

  test('after a second rotation the old key file is listed as deletable, and once deleted every child still reads', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 9);
    await w.children.add(added);
    await w.rotation.rotate({ newKey: true });
    const second = await w.rotation.rotate({ newKey: true, batchSize: 4 });
    assert.equal(second.version, 3);
    assert.equal(second.rewrapped, 9);
    const v2 = path.join(w.keysDir, 'wrap-v2.key');
    assert.ok(fs.existsSync(v2), 'rotate never deletes a key file itself');
    const status = await w.rotation.status();
    assert.deepEqual(status.unused.map((v) => v.file), [v2]);

    fs.unlinkSync(v2);
    const server = restarted(w);
    assert.deepEqual(server.keys.wrapVersions(), [1, 3]);
    await assertAllRead(server.children, added);

    // The key files do matter: without the current one, nothing opens.
    fs.unlinkSync(path.join(w.keysDir, 'wrap-v3.key'));
    await assert.rejects(restarted(w).children.read(added[0]!.id), (e: unknown) => e instanceof ConfigError && /wrapping key version 3 is not available/.test(e.message));
    await assert.rejects(new KeyRotationService({ db: w.database.db, keys: restarted(w).keys }).rotate({ newKey: true }),
      /9 data keys are wrapped under wrapping key version 3, which is not available \(expected in .*wrap-v3\.key\)/);
  });

  test('an interrupted rotation is refused a new key, then finishes with --continue, touching only what was left', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 30);
    await w.children.add(added);

    // A crash after the first batch committed.
    let batches = 0;
    await assert.rejects(w.rotation.rotate({
      newKey: true, batchSize: 4,
      onProgress: (_stage, done) => {
        if (done > 0 && ++batches === 1) throw new Error('simulated crash');
      },
    }), /simulated crash/);
    let rows = await wrappedKeys(w.database);
    const moved = [...rows].filter(([, r]) => r.wrapVersion === 2).map(([id, r]) => [id, r.wrappedKey] as const);
    assert.equal(moved.length, 4, 'the committed batch stays');
    assert.equal([...rows.values()].filter((r) => r.wrapVersion === 1).length, 26);
    await assertAllRead(w.children, added);
    assert.equal((await w.rotation.status()).belowCurrent, 26);

    await assert.rejects(w.rotation.rotate({ newKey: true }), (e: unknown) => e instanceof ConflictError && /has not finished: 26 data keys.*signpost keys rotate --continue/.test(e.message));
    assert.ok(!fs.existsSync(path.join(w.keysDir, 'wrap-v3.key')), 'no new key while one is unfinished');

    // A stop after two batches (like Ctrl-C) is not an error and says so.
    const controller = new AbortController();
    const partial = await w.rotation.rotate({ newKey: false, batchSize: 5, maxBatches: 2, signal: controller.signal });
    assert.deepEqual([partial.rewrapped, partial.remaining, partial.stopped, partial.created], [10, 16, true, undefined]);
    controller.abort();
    const aborted = await w.rotation.rotate({ newKey: false, signal: controller.signal });
    assert.deepEqual([aborted.rewrapped, aborted.remaining, aborted.stopped], [0, 16, true]);

    const finished = await w.rotation.rotate({ newKey: false, batchSize: 5 });
    assert.deepEqual([finished.version, finished.rewrapped, finished.remaining, finished.stopped], [2, 16, 0, false]);
    rows = await wrappedKeys(w.database);
    assert.ok([...rows.values()].every((r) => r.wrapVersion === 2));
    for (const [id, bytes] of moved) assert.ok(rows.get(id)!.wrappedKey.equals(bytes), 'rows moved by the first run are not touched again');
    await assertAllRead(restarted(w).children, added);

    const again = await w.rotation.rotate({ newKey: false });
    assert.deepEqual([again.rewrapped, again.remaining], [0, 0]);
  });

  test('rows a writer holds are skipped, not waited for, and picked up once free', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 8);
    await w.children.add(added);
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = w.database.db.transaction().execute(async (tx) => {
      await sql`SELECT 1 FROM child_keys WHERE child_id = ${added[2]!.id} FOR UPDATE`.execute(tx);
      locked();
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    await isLocked;
    const result = await w.rotation.rotate({ newKey: true, batchSize: 3, retryDelayMs: 150 });
    await holder;
    assert.deepEqual([result.rewrapped, result.remaining], [8, 0]);
    await assertAllRead(w.children, added);
  });

  test('a wrapped key that does not open is reported by child id and left alone; the rest move', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 5);
    await w.children.add(added);
    const victim = added[1]!.id;
    await sql`UPDATE child_keys SET wrapped_key = (SELECT wrapped_key FROM child_keys WHERE child_id = ${added[0]!.id}) WHERE child_id = ${victim}`.execute(w.database.db);
    const result = await w.rotation.rotate({ newKey: true, retryDelayMs: 1 });
    assert.deepEqual([result.rewrapped, result.failed, result.remaining], [4, [victim], 1]);
    assert.equal((await wrappedKeys(w.database)).get(victim)?.wrapVersion, 1);
  });

  test('a wrapped key is bound to its wrapping version: relabelling the row does not open it', async (t) => {
    const w = await world(t);
    const [one] = someChildren(w.councilId, 1);
    await w.children.add([one!]);
    await w.rotation.rotate({ newKey: true });
    await w.rotation.rotate({ newKey: true });
    await sql`UPDATE child_keys SET wrap_version = 2 WHERE child_id = ${one!.id}`.execute(w.database.db);
    await assert.rejects(w.children.read(one!.id), DecryptionError);
    // Even when two versions held the same key, the version in the additional data refuses it.
    const same = randomBytes(32);
    const crypto = new ChildCrypto(new Keyring(randomBytes(32), { kind: 'memory', keys: new Map([[2, same], [3, same]]) }));
    const dataKey = crypto.newDataKey();
    const wrapped = crypto.wrapDataKey(one!.id, 1, 3, dataKey);
    assert.deepEqual(crypto.unwrapDataKey(one!.id, 1, 3, wrapped), dataKey);
    assert.throws(() => crypto.unwrapDataKey(one!.id, 1, 2, wrapped), DecryptionError);
  });

  test('shredding a child after a rotation still makes it unreadable and unfindable', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 3);
    await w.children.add(added);
    await w.rotation.rotate({ newKey: true });
    const doomed = added[0]!;
    assert.equal(await w.children.shred(doomed.id), true);
    assert.equal(await w.children.read(doomed.id), null);
    assert.deepEqual(await w.children.findCandidates({ familyName: doomed.identity.familyName }), []);
    await assertAllRead(w.children, added.slice(1));
    assert.deepEqual((await w.rotation.status()).versions.map((v) => v.rows), [0, 2]);
  });

  test('a wrapping key file other users can read is refused with a clear message', async (t) => {
    const w = await world(t);
    const file = path.join(w.keysDir, 'wrap-v2.key');
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const refused = (e: unknown) => e instanceof ConfigError && e.message === `The key file ${file} is readable by other users (mode 644); run: chmod 600 ${file}`;
    assert.throws(() => loadKeyring({ keyEncryptionKey: undefined, dataDir: w.dataDir }), refused);
    // A running server refuses it too when it appears, rather than wrap under it.
    assert.throws(() => w.keys.currentWrapVersion(), refused);
    fs.chmodSync(file, 0o600);
    assert.equal(loadKeyring({ keyEncryptionKey: undefined, dataDir: w.dataDir }).currentWrapVersion(), 2);
  });

  test('with keys from a secret store, rotate asks the operator for the key, then moves every row to it', async (t) => {
    const kek = randomBytes(32).toString('base64');
    const w = await world(t, { kek });
    const added = someChildren(w.councilId, 4);
    await w.children.add(added);
    await assert.rejects(w.rotation.rotate({ newKey: true }),
      (e: unknown) => e instanceof ConfigError && /SIGNPOST_WRAP_KEYS.*Add version 2 to your secret store.*restart every Signpost process.*signpost keys rotate/s.test(e.message));
    assert.ok(!fs.existsSync(path.join(w.keysDir)), 'no key file is written when keys come from a secret store');

    const config = loadConfig({ SIGNPOST_KEK: kek, SIGNPOST_WRAP_KEYS: ` 2:${randomBytes(32).toString('base64')} ` }, { dataDir: w.dataDir });
    const keys = loadKeyring({ keyEncryptionKey: config.keyEncryptionKey, dataDir: config.dataDir, wrapKeys: config.wrapKeys });
    assert.equal(keys.wrapKeySource, 'secret-store');
    const result = await new KeyRotationService({ db: w.database.db, keys }).rotate({ newKey: true });
    assert.deepEqual([result.version, result.created, result.rewrapped, result.remaining], [2, undefined, 4, 0]);
    await assertAllRead(new ChildrenService({ db: w.database.db, keys }), added);
    await assert.rejects(w.children.read(added[0]!.id), /wrapping key version 2 is not available: add it to SIGNPOST_WRAP_KEYS/);
  });

  test('SIGNPOST_WRAP_KEYS is checked at start, without echoing a key', () => {
    const key = randomBytes(32).toString('base64');
    assert.deepEqual(loadConfig({ SIGNPOST_WRAP_KEYS: `3:${key},2:${key}` }).wrapKeys, [{ version: 2, key }, { version: 3, key }]);
    assert.equal(loadConfig({}).wrapKeys, undefined);
    for (const bad of [`1:${key}`, `2:${key},2:${key}`, '2:c2hvcnQ=', `two:${key}`, key]) {
      assert.throws(() => loadConfig({ SIGNPOST_WRAP_KEYS: bad }), (e: unknown) => e instanceof ConfigError && /SIGNPOST_WRAP_KEYS must be/.test(e.message) && !e.message.includes(key), bad);
    }
  });
});

describe('signpost keys (command line)', () => {
  async function signpost(database: TestDatabase, dataDir: string, env: Record<string, string>, ...args: string[]) {
    try {
      const { stdout, stderr } = await exec(process.execPath, [CLI, '--data-dir', dataDir, ...args], {
        env: { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'development', LOG_LEVEL: 'warn', SIGNPOST_KEK: '', SIGNPOST_WRAP_KEYS: '', ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  test('status, rotate, rotate --continue and a refused key file, never printing a child', async (t) => {
    const w = await world(t);
    const added = someChildren(w.councilId, 10);
    await w.children.add(added);
    const run = (...args: string[]) => signpost(w.database, w.dataDir, {}, ...args);
    const printed: string[] = [];
    const record = <T extends { stdout: string; stderr: string }>(r: T): T => (printed.push(r.stdout, r.stderr), r);

    assert.match((await run('--help')).stdout, /\bkeys\b/);
    assert.match((await run('keys', 'rotate', '--help')).stdout, /--continue/);

    const status = record(await run('keys', 'status'));
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /the current version is 1/);
    assert.match(status.stdout, /version 1\s+derived from the root key\s+10 data keys\s+current/);

    const rotated = record(await run('keys', 'rotate', '--batch-size', '3'));
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, new RegExp(`Created wrapping key version 2 in ${path.join(w.keysDir, 'wrap-v2.key').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(rotated.stdout, /Back it up now/);
    assert.match(rotated.stdout, /Re-wrapped 10 data keys under wrapping key version 2\./);
    assert.match(rotated.stdout, /Every data key is now wrapped under version 2/);
    assert.match(rotated.stderr, /re-wrapping: 10\/10 \(100%\)/, 'progress is reported');
    assert.ok([...(await wrappedKeys(w.database)).values()].every((r) => r.wrapVersion === 2));

    record(await run('keys', 'rotate'));
    const after = record(await run('keys', 'status'));
    assert.match(after.stdout, /version 3\s+\S+wrap-v3\.key\s+10 data keys\s+current/);
    assert.match(after.stdout, /can be deleted once no database backup/);
    assert.match(after.stdout, new RegExp(`^  ${path.join(w.keysDir, 'wrap-v2.key').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

    const nothing = record(await run('keys', 'rotate', '--continue'));
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.match(nothing.stdout, /already wrapped under the current version 3; nothing to do/);
    await assertAllRead(restarted(w).children, added);

    fs.chmodSync(path.join(w.keysDir, 'wrap-v3.key'), 0o644);
    const refused = record(await run('keys', 'status'));
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /wrap-v3\.key is readable by other users \(mode 644\); run: chmod 600 /);
    assert.doesNotMatch(refused.stderr, /at .*\.ts:\d+/, 'no stack trace');

    const all = printed.join('\n');
    for (const child of added) {
      assert.ok(!all.includes(child.identity.familyName), 'no name is printed');
      assert.ok(!all.includes(child.identity.dateOfBirth), 'no date of birth is printed');
    }
  });

  test('with SIGNPOST_KEK, rotate says how to add the key to the secret store, then moves rows once it is given', async (t) => {
    const kek = randomBytes(32).toString('base64');
    const w = await world(t, { kek });
    await w.children.add(someChildren(w.councilId, 3));
    const asked = await signpost(w.database, w.dataDir, { SIGNPOST_KEK: kek }, 'keys', 'rotate');
    assert.equal(asked.code, 2, asked.stderr);
    assert.match(asked.stderr, /Error: Wrapping keys come from SIGNPOST_WRAP_KEYS.*Add version 2 to your secret store/);
    const env = { SIGNPOST_KEK: kek, SIGNPOST_WRAP_KEYS: `2:${randomBytes(32).toString('base64')}` };
    const moved = await signpost(w.database, w.dataDir, env, 'keys', 'rotate');
    assert.equal(moved.code, 0, moved.stderr);
    assert.doesNotMatch(moved.stdout, /Created/);
    assert.match(moved.stdout, /Re-wrapped 3 data keys under wrapping key version 2\./);
    const status = await signpost(w.database, w.dataDir, env, 'keys', 'status');
    assert.match(status.stdout, /\(SIGNPOST_WRAP_KEYS\); the current version is 2/);
    assert.ok(!fs.existsSync(path.join(w.keysDir, 'wrap-v2.key')));
  });
});
