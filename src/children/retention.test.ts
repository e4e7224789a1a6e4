import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retentionFor } from './retention.js';

const base = { triggerDate: '2024-01-10', dateOfBirth: '2015-06-01', periodEnds: [], legalHoldReason: null };

test('a record with nothing open is removed the set number of months after its last activity', () => {
  assert.deepEqual(retentionFor({ ...base, periodEnds: ['2025-03-31', '2024-11-02'] }, 12), { kind: 'remove_on', date: '2026-03-31', because: 'after_last_activity' });
  assert.deepEqual(retentionFor(base, 12), { kind: 'remove_on', date: '2025-01-10', because: 'after_last_activity' });
  assert.deepEqual(retentionFor(base, 6), { kind: 'remove_on', date: '2024-07-10', because: 'after_last_activity' });
});

test('an open involvement or flag keeps the record, at the latest until the 25th birthday', () => {
  assert.deepEqual(retentionFor({ ...base, periodEnds: ['2025-01-01', null] }, 12), { kind: 'kept_while_open', latestPossible: '2040-06-01' });
});

test('no record outlives the 25th birthday unless a legal hold is recorded', () => {
  const careLeaver = { ...base, dateOfBirth: '2001-02-01', periodEnds: ['2025-12-01'] };
  assert.deepEqual(retentionFor(careLeaver, 12), { kind: 'remove_on', date: '2026-02-01', because: 'twenty_fifth_birthday' });
  assert.deepEqual(retentionFor({ ...careLeaver, legalHoldReason: 'Public inquiry' }, 12), { kind: 'legal_hold', reason: 'Public inquiry' });
});
