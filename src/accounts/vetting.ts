import type { Config } from '../platform/config/config.js';
import { addDays, addYears, formatDate, type CalendarDate } from '../platform/time/calendar-date.js';

/** The vetting dates every account carries (SECURITY.md §1). */
export interface VettingDates {
  dbsCheckedOn: CalendarDate;
  trainingCompletedOn: CalendarDate;
  agreementSignedOn: CalendarDate;
}

export interface VettingStatus {
  /** Plain-English reasons access has stopped; empty when vetting is current. */
  lapsed: string[];
  /** Items that lapse within the warning window, so people can renew in time. */
  warnings: string[];
}

const WARNING_DAYS = 30;

/**
 * Decides whether an account's vetting is current on `today`. Access stops the day an item
 * lapses: an enhanced DBS check is valid for 3 years, training and the signed user agreement
 * for the periods set in config.
 */
export function vettingStatus(dates: VettingDates, today: CalendarDate, rules: Config['vetting']): VettingStatus {
  const items = [
    { label: 'enhanced DBS check', done: dates.dbsCheckedOn, years: rules.dbsValidYears, verb: 'was done on' },
    { label: 'safeguarding and information-sharing training', done: dates.trainingCompletedOn, years: rules.trainingValidYears, verb: 'was completed on' },
    { label: 'signed user agreement', done: dates.agreementSignedOn, years: rules.agreementValidYears, verb: 'was signed on' },
  ];
  const status: VettingStatus = { lapsed: [], warnings: [] };
  for (const item of items) {
    const expires = addYears(item.done, item.years);
    if (today >= expires) {
      status.lapsed.push(`your ${item.label} ${item.verb} ${formatDate(item.done)} and lapsed on ${formatDate(expires)}`);
    } else if (addDays(today, WARNING_DAYS) >= expires) {
      status.warnings.push(`Your ${item.label} lapses on ${formatDate(expires)}. Renew it before then to keep your access.`);
    }
  }
  return status;
}

/**
 * True when an account has not been used for `dormantDays`: the last sign-in, or the creation or
 * reinstatement of the account if later, is that long ago. Unused accounts are how leavers keep
 * access nobody remembers they have.
 */
export function isDormant(activity: { lastSignedInAt: Date | null; createdAt: Date; reinstatedAt: Date | null }, now: Date, dormantDays: number): boolean {
  const last = Math.max(activity.createdAt.getTime(), activity.lastSignedInAt?.getTime() ?? 0, activity.reinstatedAt?.getTime() ?? 0);
  return now.getTime() - last >= dormantDays * 24 * 60 * 60 * 1000;
}
