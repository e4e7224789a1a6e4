import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/test-database.js';
import { buildTestApp, type TestApp } from '../../../test/build-test-app.js';
import { anAccount, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../../test/factories/accounts.js';
import { aChildRecordInput, councilCodeOf } from '../../../test/factories/children.js';
import { anAgencySystem } from '../../../test/factories/api-clients.js';
import { signInAs } from '../../../test/http-session.js';
import { sealAudit } from '../../audit/audit-sealer.js';
import { CheckpointSigner } from '../../audit/checkpoint.js';
import { verifyAudit } from '../../audit/audit-verifier.js';
import { FixedClock } from '../time/clock.js';

const AUDIT_TABLES = ['audit_entries', 'audit_leaves', 'audit_checkpoints', 'audit_sealer_state'];

describe('the application role (SECURITY.md §2: the app cannot change the schema or the audit log)', () => {
  let database: TestDatabase;
  let app: pg.Client;

  before(async () => {
    database = await createTestDatabase({ poolSize: 1 });
    app = new pg.Client({ connectionString: await database.appRoleUrl() });
    await app.connect();
  });
  after(async () => {
    await app.end();
    await database.drop();
  });

  test('it is an ordinary login role: not a superuser, owns nothing, may not create roles or databases', async () => {
    const { rows } = await app.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; owned: number; member: boolean }>(`
      SELECT rolsuper, rolcreaterole, rolcreatedb, pg_has_role(current_user, 'signpost_app', 'MEMBER') AS member,
             (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
        FROM pg_roles r WHERE rolname = current_user`);
    assert.deepEqual(rows[0], { rolsuper: false, rolcreaterole: false, rolcreatedb: false, owned: 0, member: true });
  });

  test('audit tables: INSERT and SELECT work; UPDATE, DELETE and TRUNCATE are refused by privilege, not only by the trigger', async () => {
    await app.query(`INSERT INTO audit_entries (occurred_at, action, outcome, salt) VALUES (now(), 'test', 'allowed', '\\x00'::bytea)`);
    const { rows } = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_entries');
    assert.ok(rows[0]!.n >= 1);
    for (const table of AUDIT_TABLES) {
      for (const statement of [`UPDATE ${table} SET ${table === 'audit_sealer_state' || table === 'audit_checkpoints' ? 'tree_size = tree_size' : table === 'audit_leaves' ? 'leaf_index = leaf_index' : 'reason = NULL'}`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        await assert.rejects(app.query(statement), (error: Error & { code?: string }) => {
          assert.match(error.message, new RegExp(`permission denied for table ${table}`), statement);
          assert.equal(error.code, '42501');
          return true;
        }, statement);
      }
    }
  });

  test('no DDL: creating, altering and dropping tables, and disabling the audit triggers, are refused', async () => {
    await assert.rejects(app.query('CREATE TABLE sneaky (id int)'), /permission denied for schema public/);
    await assert.rejects(app.query('ALTER TABLE children ADD COLUMN sneaky int'), /must be owner/);
    await assert.rejects(app.query('ALTER TABLE audit_entries DISABLE TRIGGER USER'), /must be owner/);
    await assert.rejects(app.query('DROP TABLE audit_leaves'), /must be owner/);
    await assert.rejects(app.query('CREATE SCHEMA sneaky'), /permission denied for database/);
    await assert.rejects(app.query(`INSERT INTO kysely_migration (name, timestamp) VALUES ('x', 'now')`), /permission denied for table kysely_migration/);
  });

  test('the grants reach tables later migrations add (default privileges), so a new table is not silently unusable', async () => {
    await sql`CREATE TABLE later_table (id bigserial PRIMARY KEY, note text)`.execute(database.db);
    await app.query(`INSERT INTO later_table (note) VALUES ('x')`);
    await app.query(`UPDATE later_table SET note = 'y'`);
    await app.query('DELETE FROM later_table');
  });
});

describe('the real app through the application role', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ appRole: true });
  });
  after(() => t.close());

  test('sign-in, an agency upsert, a search and a look all work and are audited; the sealer seals and the tree verifies', async () => {
    const role = await sql<{ user: string }>`SELECT current_user AS user`.execute(t.appDb);
    assert.match(role.rows[0]!.user, /_app$/, 'the app pool is not the owner');

    const account = await anAccount(t);
    const session = await signInAs(t.app, t.clock, account.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const council = await t.database.db.selectFrom('users').select('organisation_id').where('id', '=', account.id).executeTakeFirstOrThrow();
    const code = await councilCodeOf(t, council.organisation_id);

    const agency = await anAgencySystem(t, 'police');
    const put = await agency.call('PUT', '/api/v1/sources/niche-rms/children/P-1', aChildRecordInput(code, { givenNames: 'Imogen', familyName: 'Larkspur', dateOfBirth: '2014-03-09' }));
    assert.equal(put.statusCode, 201, put.body);
    const { childId } = put.json<{ childId: string }>();

    await session.get('/children/search');
    const search = await session.post('/children/search', { reason: 'education', givenNames: 'Imogen', familyName: 'Larkspur', 'dob-day': '9', 'dob-month': '3', 'dob-year': '2014' });
    assert.equal(search.statusCode, 200);
    const look = await session.post(`/children/${childId}/view`, { reason: 'education' });
    assert.equal(look.statusCode, 200);
    assert.match(look.body, /Larkspur/);

    const actions = await t.database.db.selectFrom('audit_entries').select('action').where('child_id', '=', childId).orderBy('id').execute();
    assert.ok(actions.length >= 2, 'the upsert and the look are audited');

    const sealed = await sealAudit({ db: t.appDb, signer: new CheckpointSigner(t.keys), clock: new FixedClock('2026-11-23T10:05:00Z') });
    assert.ok(sealed.treeSize > 0);
    const verified = await verifyAudit({ db: t.appDb, keys: t.keys });
    assert.equal(verified.ok, true);
  });
});
