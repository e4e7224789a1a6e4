import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDate, isCalendarDate, ukDate } from './calendar-date.js';

/** The definitions the fast versions replace: a Date round trip, and Intl's long date. */
const referenceIsCalendarDate = (value: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === value;
};
const longDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });

const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

const digits = (n: number, width: number) => String(n).padStart(width, '0');
const dateLike = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(([y, m, d]) => `${digits(y, 4)}-${digits(m, 2)}-${digits(d, 2)}`);

describe('calendar dates', () => {
  test('isCalendarDate agrees with a Date round trip on date-shaped text, leap years and all', () => {
    fc.assert(fc.property(dateLike, (value) => isCalendarDate(value) === referenceIsCalendarDate(value)), { numRuns: 20_000 });
    for (const value of ['2024-02-29', '1900-02-29', '2000-02-29', '2026-04-31', '0099-01-01', '2026-1-01', ' 2026-01-01', '']) {
      assert.equal(isCalendarDate(value), referenceIsCalendarDate(value), value);
    }
  });

  test('formatDate writes what Intl writes ("7 March 2026")', () => {
    fc.assert(fc.property(dateLike.filter(referenceIsCalendarDate), (value) => formatDate(value) === longDate.format(new Date(`${value}T00:00:00Z`))), { numRuns: 5_000 });
    assert.throws(() => formatDate('2026-02-30'), RangeError);
  });

  test('ukDate gives Intl\'s London date for any instant, in any order, across midnight and the clock changes', () => {
    // Instants a few seconds either side of UK midnight and of 01:00 UTC on the days the clocks change.
    const edges = ['2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00Z', '2026-03-28T23:59:59Z', '2026-03-29T23:00:00Z', '2026-03-29T22:59:59.999Z',
      '2026-10-25T00:59:59Z', '2026-10-25T01:00:00Z', '2026-10-24T23:00:00Z', '2026-10-24T22:59:59Z', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00Z'].map((t) => new Date(t));
    const instants = fc.oneof(fc.constantFrom(...edges), fc.date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }));
    fc.assert(fc.property(fc.array(instants, { minLength: 1, maxLength: 20 }), (list) => list.every((instant) => ukDate(instant) === londonDate.format(instant))), { numRuns: 2_000 });
    assert.throws(() => ukDate(new Date(Number.NaN)), RangeError);
  });
});
