import { ukDate, type CalendarDate } from '../platform/time/calendar-date.js';

/**
 * Wall-clock time in the UK (Europe/London, so BST is handled), alongside the calendar helpers in
 * src/platform/time: "out of hours" and "the night of" are UK hours, whatever the server's zone.
 * (Candidates for src/platform/time once another domain needs them.)
 */
const londonClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The UK date, hour (0–23) and minute at an instant. */
export function ukWallClock(instant: Date): { date: CalendarDate; hour: number; minute: number } {
  const parts = londonClock.formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  return { date: ukDate(instant), hour: get('hour'), minute: get('minute') };
}

/** "23:30": the UK time of day at an instant. */
export function ukTimeOfDay(instant: Date): string {
  const { hour, minute } = ukWallClock(instant);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/**
 * The instant at which it is `hour`:00 on `date` in the UK. Clocks change at 01:00 UTC, so the
 * hours used here (midnight, 07:00, 22:00) always exist exactly once.
 */
export function ukInstant(date: CalendarDate, hour: number): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, hour);
  // The UK is UTC or UTC+1: read the wall clock at the guess and move back by the difference.
  const wall = ukWallClock(new Date(guess));
  const [wy, wm, wd] = wall.date.split('-').map(Number) as [number, number, number];
  const offset = Date.UTC(wy, wm - 1, wd, wall.hour, wall.minute) - guess;
  return new Date(guess - offset);
}
