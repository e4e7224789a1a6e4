import { addMonths, type CalendarDate } from '../platform/time/calendar-date.js';

/**
 * A dated period: an involvement, a flag or a stay in an area. Periods are half-open — held from
 * `start` up to but not on `end` — so on a handover day the new holder is current and the old one
 * is past, never both. Pure functions of a date, so timescale tests pass a fixed "today".
 */
export interface Period {
  start: CalendarDate;
  /** The day it ended (or the child moved on); null while open. */
  end: CalendarDate | null;
}

/** True when the period holds on `date`. ISO dates compare correctly as strings. */
export function isActiveOn(period: Period, date: CalendarDate): boolean {
  return period.start <= date && (period.end === null || date < period.end);
}

/** True when the period ended on or before `date` (a future-dated start is neither active nor ended). */
export function hasEndedBy(period: Period, date: CalendarDate): boolean {
  return period.end !== null && period.end <= date;
}

/**
 * CP-IS shows a child protection, looked-after or unborn-plan flag while it is active and for 12
 * months after it ends (DOMAIN §5).
 */
export function isCpIsVisibleOn(period: Period, date: CalendarDate): boolean {
  if (period.start > date) return false;
  return period.end === null || date < addMonths(period.end, 12);
}
