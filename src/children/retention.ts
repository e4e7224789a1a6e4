import { addMonths, addYears, type CalendarDate } from '../platform/time/calendar-date.js';

/**
 * When a child record is removed (DOMAIN §2): a set time after the last involvement and flag end
 * (12 months by default), never later than the 25th birthday — care leavers are supported to 25 —
 * unless a legal hold is recorded. While any work is open the record stays.
 */
export type RetentionStatus =
  | { kind: 'kept_while_open'; latestPossible: CalendarDate | null }
  | { kind: 'remove_on'; date: CalendarDate; because: 'after_last_activity' | 'twenty_fifth_birthday' }
  | { kind: 'legal_hold'; reason: string };

export interface RetentionFacts {
  triggerDate: CalendarDate;
  /** Date of birth, or the expected date for an unborn child. */
  dateOfBirth: CalendarDate;
  /** Ends of involvements and flags; null for one still open. */
  periodEnds: (CalendarDate | null)[];
  legalHoldReason: string | null;
}

export function retentionFor(facts: RetentionFacts, retentionMonths: number): RetentionStatus {
  if (facts.legalHoldReason) return { kind: 'legal_hold', reason: facts.legalHoldReason };
  const twentyFifth = addYears(facts.dateOfBirth, 25);
  if (facts.periodEnds.some((end) => end === null)) return { kind: 'kept_while_open', latestPossible: twentyFifth };
  const lastActivity = [facts.triggerDate, ...(facts.periodEnds as CalendarDate[])].reduce((a, b) => (a > b ? a : b));
  const afterActivity = addMonths(lastActivity, retentionMonths);
  return afterActivity <= twentyFifth
    ? { kind: 'remove_on', date: afterActivity, because: 'after_last_activity' }
    : { kind: 'remove_on', date: twentyFifth, because: 'twenty_fifth_birthday' };
}

/** In words for the record page: "Removed on 3 March 2027, 12 months after the last involvement ended". */
export function describeRetention(status: RetentionStatus, formatDate: (date: CalendarDate) => string): string {
  switch (status.kind) {
    case 'legal_hold':
      return `Kept under a legal hold: ${status.reason}`;
    case 'kept_while_open':
      return status.latestPossible
        ? `Kept while any involvement or flag is open, and removed by ${formatDate(status.latestPossible)} (25th birthday) at the latest`
        : 'Kept while any involvement or flag is open';
    case 'remove_on':
      return status.because === 'after_last_activity'
        ? `Removed on ${formatDate(status.date)}, after the last involvement or flag ended`
        : `Removed on ${formatDate(status.date)}, the child's 25th birthday`;
  }
}
