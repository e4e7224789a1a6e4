import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { down, up } from '../../migrations/20261202T020000_alert_entries.js';
import { addAlertEntries, raiseAlert } from './oversight.repository.js';

let t: TestApp;

before(async () => {
  t = await buildTestApp();
});

after(() => t.close());

const anAlert = (windowKey: string, entryIds: number[]) => raiseAlert(t.database.db, {
  rule: 'out_of_hours', subjectUserId: randomUUID(), subjectApiClient: null, organisationId: null, councilId: null, childId: null,
  windowKey, windowStart: new Date('2026-11-23T22:00:00Z'), windowEnd: new Date('2026-11-24T07:00:00Z'), raisedAt: new Date('2026-11-24T08:00:00Z'),
  summary: `${String(entryIds.length)} look-ups`, entryIds,
});

const entriesByAlert = async () => {
  const { rows } = await sql<{ alert_id: number; ids: string[]; entry_count: number }>`
    SELECT a.id AS alert_id, a.entry_count, ARRAY(SELECT e.audit_entry_id FROM access_alert_entries e WHERE e.alert_id = a.id ORDER BY 1) AS ids
    FROM access_alerts a ORDER BY a.id`.execute(t.database.db);
  return rows.map((r) => ({ id: r.alert_id, ids: r.ids.map(Number), count: r.entry_count }));
};

test('the alert-entries migration moves each alert\'s entries to their own rows and back, with their count', async () => {
  const one = await anAlert('night:2026-11-23', [7]);
  const many = await anAlert('night:2026-11-24', [3, 9]);
  assert.deepEqual(await addAlertEntries(t.database.db, [{ alertId: many, entryIds: [9, 12, 15] }]), new Map([[many, 2]]), 'an entry held already is not added again');
  const before = await entriesByAlert();
  assert.deepEqual(before, [{ id: one, ids: [7], count: 1 }, { id: many, ids: [3, 9, 12, 15], count: 2 }]);

  const owner = t.database.db as unknown as Kysely<unknown>;
  await down(owner);
  const { rows: arrays } = await sql<{ id: number; audit_entry_ids: string[] }>`SELECT id, audit_entry_ids FROM access_alerts ORDER BY id`.execute(t.database.db);
  assert.deepEqual(arrays.map((r) => [r.id, r.audit_entry_ids.map(Number)]), [[one, [7]], [many, [3, 9, 12, 15]]], 'down puts them back on the alert, in order');
  await up(owner);
  // Up counts the rows themselves (addAlertEntries above left the count to its caller, as the scan does).
  assert.deepEqual(await entriesByAlert(), [{ id: one, ids: [7], count: 1 }, { id: many, ids: [3, 9, 12, 15], count: 4 }]);
});
