import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalEntry, entryLeafHash, type StoredAuditEntry } from './audit-entry.js';
import { leafHash } from './merkle.js';

const text = fc.option(fc.string({ unit: 'binary', maxLength: 3_000 }));
const entry: fc.Arbitrary<StoredAuditEntry> = fc.record({
  id: fc.nat(),
  occurredAt: fc.constant('2026-11-23T10:00:00.123456Z'),
  actorUserId: fc.option(fc.uuid()),
  actorApiClient: text,
  actorOrganisationId: fc.option(fc.uuid()),
  actorRole: text,
  action: fc.constantFrom('view', 'search'),
  childId: fc.option(fc.uuid()),
  basis: text,
  reason: text,
  outcome: fc.constantFrom('allowed', 'refused'),
  requestId: text,
  salt: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
});

test('the fast leaf hash equals SHA-256(0x00 ‖ salt ‖ canonical JSON) for any text, however long (property)', () => {
  fc.assert(fc.property(entry, (e) => assert.deepEqual(entryLeafHash(e), leafHash(canonicalEntry(e)))), { numRuns: 300 });
});

test('the canonical entry is the salt then a fixed-order JSON array', () => {
  const e: StoredAuditEntry = {
    id: 7, occurredAt: '2026-11-23T10:00:00.000000Z', actorUserId: null, actorApiClient: 'feed', actorOrganisationId: null, actorRole: null,
    action: 'import', childId: null, basis: null, reason: 'nightly feed', outcome: 'allowed', requestId: 'r1', salt: Buffer.alloc(16, 0xab),
  };
  assert.equal(canonicalEntry(e).subarray(16).toString('utf8'), '[7,"2026-11-23T10:00:00.000000Z",null,"feed",null,null,"import",null,null,"nightly feed","allowed","r1"]');
  assert.deepEqual(canonicalEntry(e).subarray(0, 16), Buffer.alloc(16, 0xab));
});
