/**
 * Calendar dates ("2026-03-14") without a time or zone. Statutory timescales count days in
 * England, so dates are plain values; `ukToday` turns an instant into the date in UK time.
 */
export type CalendarDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real date in YYYY-MM-DD form (rejects 2026-02-30). */
export function isCalendarDate(value: string): value is CalendarDate {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  // Arithmetic, not a Date round trip: pages check every date they show, many per request.
  // Years before 100 are refused, as Date.UTC would read them as 19xx.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function toUtcDate(date: CalendarDate): Date {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${String(date)}`);
  return new Date(`${date}T00:00:00Z`);
}

export function fromUtcDate(date: Date): CalendarDate {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = toUtcDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return fromUtcDate(d);
}

/** Adds calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const d = toUtcDate(date);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return fromUtcDate(d);
}

export function addYears(date: CalendarDate, years: number): CalendarDate {
  return addMonths(date, years * 12);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: CalendarDate): number {
  return toUtcDate(date).getUTCDay();
}

const londonDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

let lastMinute: { minute: number; date: CalendarDate } = { minute: Number.NaN, date: '' };

/**
 * The calendar date in the UK at the given instant (handles BST). A signpost look asks three times
 * and Intl was 1.4% of the service's busy time on that page (1.4 µs a call in a tight loop, 0.13
 * with this), so the last minute's answer is kept: UK midnight and the clock changes (01:00 UTC)
 * fall on whole minutes, so every instant of one minute has the same UK date.
 */
export function ukDate(instant: Date): CalendarDate {
  const minute = Math.floor(instant.getTime() / 60_000);
  if (minute !== lastMinute.minute) lastMinute = { minute, date: londonDate.format(instant) };
  return lastMinute.date;
}

const longDateTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
});

/** "14 March 2026", the GOV.UK style. */
export function formatDate(date: CalendarDate): string {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${String(date)}`);
  // What Intl's en-GB long date gives ("7 March 2026"), without its cost on every date of every
  // page; calendar-date.test.ts holds the two together.
  return `${Number(date.slice(8, 10))} ${MONTH_NAMES[Number(date.slice(5, 7)) - 1]!} ${Number(date.slice(0, 4))}`;
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

/** "14 March 2026 at 3:05pm" in UK time. */
export function formatDateTime(instant: Date): string {
  const parts = longDateTime.formatToParts(instant);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')} ${get('month')} ${get('year')} at ${get('hour')}:${get('minute')}${get('dayPeriod').toLowerCase()}`;
}
