import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasEndedBy, isActiveOn, isCpIsVisibleOn } from './periods.js';

test('a period is active from its start up to, but not on, its end', () => {
  const period = { start: '2026-01-10', end: '2026-03-01' };
  assert.equal(isActiveOn(period, '2026-01-09'), false);
  assert.equal(isActiveOn(period, '2026-01-10'), true);
  assert.equal(isActiveOn(period, '2026-02-28'), true);
  assert.equal(isActiveOn(period, '2026-03-01'), false);
  assert.equal(hasEndedBy(period, '2026-03-01'), true);
  assert.equal(hasEndedBy(period, '2026-02-28'), false);
  assert.equal(isActiveOn({ start: '2026-01-10', end: null }, '2040-01-01'), true);
});

test('a CP-IS flag stays visible for 12 months after it ends', () => {
  const plan = { start: '2025-01-10', end: '2025-06-30' };
  assert.equal(isCpIsVisibleOn(plan, '2025-01-09'), false);
  assert.equal(isCpIsVisibleOn(plan, '2026-06-29'), true);
  assert.equal(isCpIsVisibleOn(plan, '2026-06-30'), false);
});
