import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { entryLeafHash, type AuditEntry, type StoredAuditEntry } from './audit-entry.js';
import { canonicalEntriesByIds, entriesToCheckByIds, insertAuditEntries } from './audit.repository.js';
import { leafDigestOfHexSalt, leafHashOf } from './merkle.js';

/**
 * The sealer and the verifier hash the canonical text PostgreSQL builds (canonicalEntriesByIds,
 * and entriesToCheckByIds, which reads it as one row of text); an outside auditor recomputes the
 * one JavaScript builds from the same row (canonicalJson). A difference in a single
 * escape would make a good log look tampered with, so any text a practitioner or a system could
 * send is tried here: control characters, quotes, backslashes, any Unicode (PostgreSQL's text
 * holds everything but NUL).
 */
let database: TestDatabase;
before(async () => { database = await createTestDatabase(); });
after(() => database.drop());

const text = fc.option(fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replaceAll('\u0000', '')), { nil: null });
const entry: fc.Arbitrary<AuditEntry> = fc.record({
  occurredAt: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
  actorUserId: fc.option(fc.uuid(), { nil: null }),
  actorApiClient: text,
  actorOrganisationId: fc.option(fc.uuid(), { nil: null }),
  actorRole: text,
  action: fc.constantFrom('view', 'search', 'import'),
  childId: fc.option(fc.uuid(), { nil: null }),
  basis: text,
  reason: text,
  outcome: fc.constantFrom('allowed', 'refused'),
  requestId: text,
});

test('PostgreSQL\'s canonical text of an entry is the one JavaScript builds, for any text (property)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 20 }), async (entries) => {
    const { rows } = await database.db.transaction().execute(async (tx) => {
      await insertAuditEntries(tx, entries.map((e) => ({ entry: e, salt: randomBytes(16) })));
      return { rows: await tx.selectFrom('audit_entries').select('id').orderBy('id', 'desc').limit(entries.length).execute() };
    });
    const ids = rows.map((r) => r.id).sort((a, b) => a - b);
    // The row as JavaScript reads it, every column under its StoredAuditEntry name.
    const stored = await database.db.selectFrom('audit_entries').select([
      'id', 'actor_user_id as actorUserId', 'actor_api_client as actorApiClient', 'actor_organisation_id as actorOrganisationId', 'actor_role as actorRole',
      'action', 'child_id as childId', 'basis', 'reason', 'outcome', 'request_id as requestId', 'salt',
      sql<string>`to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('occurredAt'),
    ]).where('id', 'in', ids).orderBy('id').execute() as StoredAuditEntry[];
    const canonical = await canonicalEntriesByIds(database.db, ids);
    assert.equal(canonical.length, stored.length);
    canonical.forEach((c, i) => {
      assert.equal(c.id, stored[i]!.id);
      assert.deepEqual(leafHashOf(c.salt, c.canonical), entryLeafHash(stored[i]!), `entry ${c.id}: ${JSON.stringify(c.canonical)}`);
    });
    // The verifier's read: every entry in one row of text, split in Node, salts as hex.
    const toCheck = await entriesToCheckByIds(database.db, ids);
    assert.equal(toCheck.length, stored.length);
    toCheck.forEach((c, i) => {
      assert.equal(c.id, stored[i]!.id);
      assert.equal(leafDigestOfHexSalt(c.salt, c.canonical), entryLeafHash(stored[i]!).toString('latin1'), `entry ${c.id}: ${JSON.stringify(c.canonical)}`);
    });
  }), { numRuns: 60 });
});
