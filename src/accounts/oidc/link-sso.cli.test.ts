import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { insertOrganisation } from '../../organisations/organisations.repository.js';
import { createTestDatabase, type TestDatabase } from '../../../test/test-database.js';
import { runSignpost } from '../../../test/cli.js';

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase();
  await insertOrganisation(database.db, { code: 'SSO-TEST', kind: 'council', name: 'Single Sign-On Test Council' });
});
after(async () => {
  await database.drop();
});

const signpost = (...args: string[]) => runSignpost(database.url, args);

describe('signpost users link-sso', () => {
  test('an administrator links an account to a tenant and object id; a second account cannot take the same identity', async () => {
    const account = ['users', 'add', '--org', 'SSO-TEST', '--name', 'Sam Sso', '--role', 'social_worker', '--dbs', '2026-01-05', '--training', '2026-01-05', '--agreement', '2026-01-05'];
    assert.equal((await signpost(...account, '--email', 'sam@sso.test')).code, 0);
    const tenant = randomUUID();
    const objectId = randomUUID();
    const linked = await signpost('users', 'link-sso', 'sam@sso.test', '--tenant', tenant, '--object-id', objectId);
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(linked.stdout, /Linked sam@sso\.test/);
    const row = await database.db.selectFrom('users').select(['oidc_tenant_id', 'oidc_object_id']).where('email', '=', 'sam@sso.test').executeTakeFirstOrThrow();
    assert.deepEqual(row, { oidc_tenant_id: tenant, oidc_object_id: objectId });

    assert.equal((await signpost(...account, '--email', 'alex@sso.test')).code, 0);
    const taken = await signpost('users', 'link-sso', 'alex@sso.test', '--tenant', tenant, '--object-id', objectId);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /already linked to the account sam@sso\.test/);
    const missing = await signpost('users', 'link-sso', 'alex@sso.test', '--tenant', tenant);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--object-id/);
  });
});
