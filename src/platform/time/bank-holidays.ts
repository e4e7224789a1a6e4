import { addDays, dayOfWeek, fromUtcDate, type CalendarDate } from './calendar-date.js';

/**
 * England and Wales bank holidays, computed by rule so the calendar never runs out, plus the
 * one-off and moved days proclaimed since 1995 (jubilees, royal weddings, a state funeral, the
 * coronation, VE-day anniversaries).
 */
const PROCLAIMED: Readonly<Record<number, { add?: CalendarDate[]; earlyMay?: CalendarDate; spring?: CalendarDate }>> = {
  1995: { earlyMay: '1995-05-08' },
  1999: { add: ['1999-12-31'] },
  2002: { spring: '2002-06-04', add: ['2002-06-03'] },
  2011: { add: ['2011-04-29'] },
  2012: { spring: '2012-06-04', add: ['2012-06-05'] },
  2020: { earlyMay: '2020-05-08' },
  2022: { spring: '2022-06-02', add: ['2022-06-03', '2022-09-19'] },
  2023: { add: ['2023-05-08'] },
};

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm. */
export function easterSunday(year: number): CalendarDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return fromUtcDate(new Date(Date.UTC(year, month - 1, day)));
}

function firstMonday(year: number, monthIndex: number): CalendarDate {
  const first = fromUtcDate(new Date(Date.UTC(year, monthIndex, 1)));
  return addDays(first, (8 - dayOfWeek(first)) % 7);
}

function lastMonday(year: number, monthIndex: number): CalendarDate {
  const last = fromUtcDate(new Date(Date.UTC(year, monthIndex + 1, 0)));
  return addDays(last, -((dayOfWeek(last) + 6) % 7));
}

/** New Year's Day moves to the next Monday when it falls on a weekend. */
function newYear(year: number): CalendarDate {
  const day = `${year}-01-01`;
  const dow = dayOfWeek(day);
  return dow === 6 ? addDays(day, 2) : dow === 0 ? addDays(day, 1) : day;
}

/** Christmas and Boxing Day with their weekday substitutes. */
function christmas(year: number): CalendarDate[] {
  const xmas = `${year}-12-25`;
  switch (dayOfWeek(xmas)) {
    case 5: // Friday: Boxing Day on Saturday moves to Monday 28th
      return [xmas, `${year}-12-28`];
    case 6: // Saturday: both move to Monday 27th and Tuesday 28th
      return [`${year}-12-27`, `${year}-12-28`];
    case 0: // Sunday: Boxing Day Monday 26th, Christmas substitute Tuesday 27th
      return [`${year}-12-26`, `${year}-12-27`];
    default:
      return [xmas, `${year}-12-26`];
  }
}

const cache = new Map<number, ReadonlySet<CalendarDate>>();

/** The set of England and Wales bank holidays in a year. */
export function bankHolidays(year: number): ReadonlySet<CalendarDate> {
  const cached = cache.get(year);
  if (cached) return cached;
  const special = PROCLAIMED[year] ?? {};
  const easter = easterSunday(year);
  const days = new Set<CalendarDate>([
    newYear(year),
    addDays(easter, -2),
    addDays(easter, 1),
    special.earlyMay ?? firstMonday(year, 4),
    special.spring ?? lastMonday(year, 4),
    lastMonday(year, 7),
    ...christmas(year),
    ...(special.add ?? []),
  ]);
  cache.set(year, days);
  return days;
}

export function isBankHoliday(date: CalendarDate): boolean {
  return bankHolidays(Number(date.slice(0, 4))).has(date);
}
