import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bankHolidays, easterSunday } from './bank-holidays.js';
import { addMonths, formatDate, formatDateTime, isCalendarDate, ukDate } from './calendar-date.js';
import { addWorkingDays, isWorkingDay, workingDaysBetween } from './working-days.js';

const sorted = (year: number) => [...bankHolidays(year)].sort();

describe('England and Wales bank holidays', () => {
  test('2025 matches the published list', () => {
    assert.deepEqual(sorted(2025), ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26']);
  });
  test('2026 matches the published list (Boxing Day on a Saturday moves to Monday 28th)', () => {
    assert.deepEqual(sorted(2026), ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28']);
  });
  test('2027 matches the published list (Christmas on a Saturday)', () => {
    assert.deepEqual(sorted(2027), ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28']);
  });
  test('2022 includes the moved spring holiday, the Platinum Jubilee and the state funeral', () => {
    const days = bankHolidays(2022);
    for (const day of ['2022-06-02', '2022-06-03', '2022-09-19', '2022-01-03']) assert.ok(days.has(day), day);
    assert.ok(!days.has('2022-05-30'));
  });
  test('2023 includes the coronation', () => {
    assert.ok(bankHolidays(2023).has('2023-05-08'));
  });
  test('Easter Sunday is right for known years', () => {
    assert.equal(easterSunday(2024), '2024-03-31');
    assert.equal(easterSunday(2026), '2026-04-05');
    assert.equal(easterSunday(2038), '2038-04-25');
  });
});

describe('working days for statutory timescales', () => {
  test('a referral on Friday with a one-working-day decision is due on Monday', () => {
    assert.equal(addWorkingDays('2026-11-20', 1), '2026-11-23');
  });
  test('Easter weekend is skipped', () => {
    assert.equal(addWorkingDays('2026-04-02', 1), '2026-04-07');
  });
  test('a 45-working-day assessment over Christmas 2026', () => {
    assert.equal(addWorkingDays('2026-12-01', 45), '2027-02-05');
  });
  test('an ICPC 15 working days from a strategy discussion', () => {
    assert.equal(addWorkingDays('2026-11-23', 15), '2026-12-14');
  });
  test('counting forward then back returns to the start (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2060-12-31'), noInvalidDate: true }), fc.integer({ min: 1, max: 300 }), (date, n) => {
        let start = date.toISOString().slice(0, 10);
        while (!isWorkingDay(start)) start = addWorkingDays(start, 1);
        const end = addWorkingDays(start, n);
        assert.equal(workingDaysBetween(start, end), n);
        assert.equal(addWorkingDays(end, -n), start);
      }),
      { numRuns: 200 },
    );
  });
});

describe('calendar dates', () => {
  test('impossible dates are rejected', () => {
    assert.ok(isCalendarDate('2024-02-29'));
    assert.ok(!isCalendarDate('2026-02-29'));
    assert.ok(!isCalendarDate('2026-13-01'));
    assert.ok(!isCalendarDate('14/03/2026'));
  });
  test('adding a month clamps to the end of a shorter month', () => {
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(addMonths('2026-08-31', 3), '2026-11-30');
  });
  test('dates read the GOV.UK way, times in UK time', () => {
    assert.equal(formatDate('2026-03-14'), '14 March 2026');
    assert.equal(formatDateTime(new Date('2026-07-01T14:05:00Z')), '1 July 2026 at 3:05pm');
    assert.equal(formatDateTime(new Date('2026-12-01T09:30:00Z')), '1 December 2026 at 9:30am');
  });
  test('the UK date follows British Summer Time', () => {
    assert.equal(ukDate(new Date('2026-06-30T23:30:00Z')), '2026-07-01');
    assert.equal(ukDate(new Date('2026-12-31T23:30:00Z')), '2026-12-31');
  });
});
