import { isBankHoliday } from './bank-holidays.js';
import { addDays, dayOfWeek, type CalendarDate } from './calendar-date.js';

/** A working day in England: not a Saturday, Sunday or England and Wales bank holiday. */
export function isWorkingDay(date: CalendarDate): boolean {
  const dow = dayOfWeek(date);
  return dow !== 0 && dow !== 6 && !isBankHoliday(date);
}

/**
 * The date `n` working days after `from` (the start day itself is not counted), the way
 * statutory timescales are counted: a referral on Friday with a 1-working-day decision is due on
 * Monday (or Tuesday when Monday is a bank holiday). Negative `n` counts backwards.
 */
export function addWorkingDays(from: CalendarDate, n: number): CalendarDate {
  const step = n < 0 ? -1 : 1;
  let remaining = Math.abs(n);
  let date = from;
  while (remaining > 0) {
    date = addDays(date, step);
    if (isWorkingDay(date)) remaining -= 1;
  }
  return date;
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
export function workingDaysBetween(from: CalendarDate, to: CalendarDate): number {
  let count = 0;
  for (let date = addDays(from, 1); date <= to; date = addDays(date, 1)) {
    if (isWorkingDay(date)) count += 1;
  }
  return count;
}
