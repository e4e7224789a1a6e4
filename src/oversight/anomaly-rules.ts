import { addDays, formatDate, ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import { ukInstant, ukTimeOfDay, ukWallClock } from './uk-time.js';

/**
 * The anomaly rules (SECURITY §2): pure functions from a batch of sealed audit entries, and the
 * facts the scan loaded about them, to alert candidates. They never see a name, a date of birth or
 * an address — the surname rule compares keyed blind-index values — and the summaries they write
 * are counts and times only.
 *
 * An alert is found again by (rule, subject, window key), so scanning the same entries twice, or
 * a burst that straddles two scans, adds to one alert instead of raising a second.
 */

export const ALERT_RULES = [
  'bulk_viewing', 'out_of_hours', 'shared_surname', 'shielded_view', 'flagged_outside_council',
  'failed_sign_ins', 'broad_searching', 'break_glass_rate', 'break_glass_used',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export function isAlertRule(value: string): value is AlertRule {
  return (ALERT_RULES as readonly string[]).includes(value);
}

/** What an officer sees as the alert's heading. */
export const RULE_TITLES: Readonly<Record<AlertRule, string>> = {
  bulk_viewing: 'Many records viewed in an hour',
  out_of_hours: 'Look-ups out of hours',
  shared_surname: 'Child shares the viewer\'s surname',
  shielded_view: 'Shielded child viewed',
  flagged_outside_council: 'Flagged child viewed from outside the responsible council',
  failed_sign_ins: 'Repeated failed sign-ins',
  broad_searching: 'Many searches in an hour',
  break_glass_rate: 'Emergency access used often',
  break_glass_used: 'Emergency access (break-glass) used',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * More than 30 child records viewed by one person within 60 minutes. A duty or MASH worker on a
 * heavy shift opens a record every few minutes at most; 30 in an hour leaves that headroom while
 * still catching someone browsing or harvesting records.
 */
export const BULK_VIEWS_MAX = 30;
export const BULK_VIEWS_WINDOW_MS = HOUR;

/**
 * More than 25 searches by one person within 60 minutes. Each search states a reason for one
 * child, so even a busy front door runs far fewer; more looks like trawling the index.
 */
export const SEARCHES_MAX = 25;
export const SEARCHES_WINDOW_MS = HOUR;

/**
 * 10 or more failed sign-ins for one account within an hour. The lockout (5 failures, then 15
 * minutes) means a person who forgot their password stops well short of this; 10 means someone
 * keeps trying, including against a locked account — password guessing or a shared account.
 */
export const FAILED_SIGN_INS_MIN = 10;
export const FAILED_SIGN_INS_WINDOW_MS = HOUR;

/**
 * More than 3 uses of break-glass by one person within 7 days. Emergency access is for the rare
 * out-of-hours emergency with no relationship recorded yet; a fourth in a week is above any
 * normal duty pattern and suggests it has become a way round the access rule.
 */
export const BREAK_GLASS_MAX = 3;
export const BREAK_GLASS_WINDOW_MS = 7 * DAY;

/**
 * Views and searches from 22:00 until 07:00 UK time. Day-time services are closed then; emergency
 * duty teams do work nights, so these alerts ask for a look, they do not prove misuse.
 */
export const NIGHT_STARTS_HOUR = 22;
export const NIGHT_ENDS_HOUR = 7;

/** Flags that make a look from outside the responsible council worth telling it about (CP-IS). */
export const FLAGGED_KINDS: readonly string[] = ['child_protection_plan', 'looked_after', 'unborn_child_protection_plan'];

/** An audit entry as the rules read it. */
export interface ScannedEntry {
  id: number;
  occurredAt: Date;
  actorUserId: string | null;
  actorApiClient: string | null;
  actorOrganisationId: string | null;
  action: string;
  childId: string | null;
  basis: string | null;
  outcome: string;
}

/** What the rules need to know about a child the batch touches. */
export interface ChildFacts {
  responsibleCouncilId: string;
  /** Hex of the child's `family_name` blind-index values (current and former names, every form). */
  familyNameIndex: readonly string[];
  flags: readonly { kind: string; startedOn: CalendarDate; endedOn: CalendarDate | null }[];
}

/** What the rules need to know about a user the batch names. */
export interface UserFacts {
  /** Hex of the `family_name` blind-index values of the last word of the user's display name. */
  surnameIndex: readonly string[];
}

/** An alert already stored, as a burst rule needs it to carry on rather than start another. */
export interface RaisedWindow {
  rule: AlertRule;
  subjectKey: string;
  windowKey: string;
  windowStart: Date;
  windowEnd: Date;
}

export interface RuleFacts {
  children: ReadonlyMap<string, ChildFacts>;
  users: ReadonlyMap<string, UserFacts>;
  /**
   * Other audit entries of the batch's subjects close in time to it (within the longest window
   * either side), so a burst is counted whole even when it straddles two scans.
   */
  nearby: readonly ScannedEntry[];
  raised: readonly RaisedWindow[];
}

/** An alert a rule would raise; stored, or merged into the one with the same key. */
export interface AlertCandidate {
  rule: AlertRule;
  subjectUserId: string | null;
  subjectApiClient: string | null;
  /** The subject's organisation. */
  organisationId: string | null;
  childId: string | null;
  windowKey: string;
  windowStart: Date;
  windowEnd: Date;
  /** Ascending, no repeats. */
  entryIds: number[];
  summary: string;
}

/** The key the database derives for an alert's subject (`access_alerts.subject_key`). */
export function subjectKeyOf(entry: { actorUserId: string | null; actorApiClient: string | null }): string | null {
  if (entry.actorUserId) return entry.actorUserId;
  if (entry.actorApiClient) return `client:${entry.actorApiClient}`;
  return null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const onDay = (instant: Date) => formatDate(ukDate(instant));

/**
 * The alert's summary: counts and times in plain words, recomputed whenever entries are added.
 * Never a child's name, date of birth or address.
 */
export function summarise(rule: AlertRule, count: number, windowStart: Date, windowEnd: Date): string {
  const between = `between ${ukTimeOfDay(windowStart)} and ${ukTimeOfDay(windowEnd)} on ${onDay(windowStart)}`;
  switch (rule) {
    case 'bulk_viewing': return `${plural(count, 'record', 'records')} viewed ${between}`;
    case 'broad_searching': return `${plural(count, 'search', 'searches')} ${between}`;
    case 'failed_sign_ins': return `${plural(count, 'failed sign-in', 'failed sign-ins')} ${between}`;
    case 'break_glass_used': return `Emergency access used on ${onDay(windowStart)}, ending ${ukTimeOfDay(windowEnd)} on ${onDay(windowEnd)}`;
    case 'break_glass_rate': return `${plural(count, 'use', 'uses')} of emergency access between ${onDay(windowStart)} and ${onDay(windowEnd)}`;
    case 'out_of_hours': return `${plural(count, 'look-up', 'look-ups')} between 22:00 and 07:00 on the night of ${onDay(windowStart)}`;
    case 'shared_surname': return `${plural(count, 'view', 'views')} of a child whose family name matches the viewer's own`;
    case 'shielded_view': return `${plural(count, 'view', 'views')} of a shielded child by someone who is not a named seal-holder, on ${onDay(windowStart)}`;
    case 'flagged_outside_council': return `${plural(count, 'view', 'views')} of a child on a protection plan or looked after, from outside the responsible council, on ${onDay(windowStart)}`;
  }
}

/** The smallest window covering both. */
export function widerWindow(a: { windowStart: Date; windowEnd: Date }, b: { windowStart: Date; windowEnd: Date }): { windowStart: Date; windowEnd: Date } {
  return {
    windowStart: a.windowStart.getTime() <= b.windowStart.getTime() ? a.windowStart : b.windowStart,
    windowEnd: a.windowEnd.getTime() >= b.windowEnd.getTime() ? a.windowEnd : b.windowEnd,
  };
}

/**
 * A stored alert after a scan added `added` entries (not held before) from candidates spanning
 * `seen`: its count, its window widened to cover them, and its summary.
 */
export function extendAlert(
  existing: { rule: AlertRule; entryCount: number; windowStart: Date; windowEnd: Date },
  added: number,
  seen: { windowStart: Date; windowEnd: Date },
): { entryCount: number; windowStart: Date; windowEnd: Date; summary: string } {
  const entryCount = existing.entryCount + added;
  const { windowStart, windowEnd } = widerWindow(existing, seen);
  return { entryCount, windowStart, windowEnd, summary: summarise(existing.rule, entryCount, windowStart, windowEnd) };
}

/** An alert not yet stored after adding a candidate's entries, or null when nothing new was added. */
export function mergeAlert(
  existing: { rule: AlertRule; entryIds: readonly number[]; windowStart: Date; windowEnd: Date },
  candidate: { entryIds: readonly number[]; windowStart: Date; windowEnd: Date },
): { entryIds: number[]; windowStart: Date; windowEnd: Date; summary: string } | null {
  const known = new Set(existing.entryIds);
  if (candidate.entryIds.every((id) => known.has(id))) return null;
  const entryIds = [...new Set([...existing.entryIds, ...candidate.entryIds])].sort((a, b) => a - b);
  const { windowStart, windowEnd, summary } = extendAlert({ ...existing, entryCount: existing.entryIds.length }, entryIds.length - existing.entryIds.length, candidate);
  return { entryIds, windowStart, windowEnd, summary };
}

const isChildView = (e: ScannedEntry) => e.action === 'view' && e.childId !== null;
const byUser = (e: ScannedEntry) => e.actorUserId !== null;

/** Builds a candidate from grouped entries: ids sorted, summary from the rule. */
function candidate(rule: AlertRule, entries: readonly ScannedEntry[], window: { key: string; start: Date; end: Date }, childId: string | null): AlertCandidate {
  const first = entries[0]!;
  const entryIds = [...new Set(entries.map((e) => e.id))].sort((a, b) => a - b);
  return {
    rule,
    subjectUserId: first.actorUserId,
    subjectApiClient: first.actorUserId ? null : first.actorApiClient,
    organisationId: first.actorOrganisationId,
    childId,
    windowKey: window.key,
    windowStart: window.start,
    windowEnd: window.end,
    entryIds,
    summary: summarise(rule, entryIds.length, window.start, window.end),
  };
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Joins the parts of a grouping key; no id or date contains it. */
export const SEP = '\u001f';

const chronological = (a: ScannedEntry, b: ScannedEntry) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id;

/**
 * Bursts in one subject's entries: more than a threshold within a sliding window. Walks the
 * entries in time order; from each entry not already inside a raised alert's window it counts
 * the entries in the next `windowMs`, and on a burst takes them all as one alert keyed by its
 * first entry's time, then carries on after it. Windows never overlap an alert already raised, so
 * one burst is one alert however the scans cut it. Only bursts holding a batch entry are returned.
 */
export function findBursts(
  entries: readonly ScannedEntry[],
  fresh: ReadonlySet<number>,
  windowMs: number,
  isBurst: (count: number) => boolean,
  raised: readonly RaisedWindow[],
): { key: string; start: Date; end: Date; entries: ScannedEntry[] }[] {
  const seen = new Set<number>();
  const events = [...entries].sort(chronological).filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
  const windows = [...raised].sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime());
  const time = (i: number) => events[i]!.occurredAt.getTime();
  const found: { key: string; start: Date; end: Date; entries: ScannedEntry[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < events.length) {
    const t = time(i);
    const covering = windows.find((w) => w.windowStart.getTime() <= t && t < w.windowEnd.getTime());
    if (covering) {
      let k = i;
      while (k < events.length && time(k) < covering.windowEnd.getTime()) k++;
      const group = events.slice(i, k);
      if (group.some((e) => fresh.has(e.id))) found.push({ key: covering.windowKey, start: covering.windowStart, end: covering.windowEnd, entries: group });
      i = k;
      j = Math.max(j, i);
      continue;
    }
    const next = windows.find((w) => w.windowStart.getTime() > t);
    const limit = Math.min(t + windowMs, next ? next.windowStart.getTime() : Number.POSITIVE_INFINITY);
    j = Math.max(j, i);
    while (j < events.length && time(j) < limit) j++;
    if (isBurst(j - i)) {
      const group = events.slice(i, j);
      if (group.some((e) => fresh.has(e.id))) found.push({ key: new Date(t).toISOString(), start: new Date(t), end: new Date(limit), entries: group });
      i = j;
    } else {
      i++;
    }
  }
  return found;
}

/** A burst rule: per user, over the batch and the nearby entries that match the same test. */
function burstRule(
  rule: AlertRule,
  matches: (e: ScannedEntry) => boolean,
  windowMs: number,
  isBurst: (count: number) => boolean,
): (batch: readonly ScannedEntry[], facts: RuleFacts) => AlertCandidate[] {
  return (batch, facts) => {
    const fresh = batch.filter((e) => matches(e) && byUser(e));
    if (fresh.length === 0) return [];
    const freshIds = new Set(fresh.map((e) => e.id));
    const subjects = new Set(fresh.map((e) => e.actorUserId!));
    const pool = [...fresh, ...facts.nearby.filter((e) => matches(e) && e.actorUserId !== null && subjects.has(e.actorUserId))];
    const alerts: AlertCandidate[] = [];
    for (const [userId, entries] of groupBy(pool, (e) => e.actorUserId)) {
      const raised = facts.raised.filter((w) => w.rule === rule && w.subjectKey === userId);
      for (const burst of findBursts(entries, freshIds, windowMs, isBurst, raised)) {
        alerts.push(candidate(rule, burst.entries, burst, null));
      }
    }
    return alerts;
  };
}

/** More than {@link BULK_VIEWS_MAX} child records viewed by one user within an hour. */
export const bulkViewing = burstRule('bulk_viewing', isChildView, BULK_VIEWS_WINDOW_MS, (n) => n > BULK_VIEWS_MAX);

/** More than {@link SEARCHES_MAX} searches by one user within an hour. */
export const broadSearching = burstRule('broad_searching', (e) => e.action === 'search', SEARCHES_WINDOW_MS, (n) => n > SEARCHES_MAX);

/**
 * {@link FAILED_SIGN_INS_MIN} or more failed sign-ins for one account within an hour. Failures for
 * an email that matches no account name no account, so they cannot be counted per account.
 */
export const failedSignIns = burstRule('failed_sign_ins', (e) => e.action === 'sign_in_failed', FAILED_SIGN_INS_WINDOW_MS, (n) => n >= FAILED_SIGN_INS_MIN);

/** More than {@link BREAK_GLASS_MAX} uses of break-glass by one user within 7 days. */
export const breakGlassRate = burstRule('break_glass_rate', (e) => e.action === 'break_glass', BREAK_GLASS_WINDOW_MS, (n) => n > BREAK_GLASS_MAX);

/** The UK date on whose evening the night holding `instant` began, or null in the day. */
export function nightOf(instant: Date): CalendarDate | null {
  const { date, hour } = ukWallClock(instant);
  if (hour >= NIGHT_STARTS_HOUR) return date;
  if (hour < NIGHT_ENDS_HOUR) return addDays(date, -1);
  return null;
}

/** Views and searches by a user between 22:00 and 07:00 UK time: one alert per user per night. */
export function outOfHours(batch: readonly ScannedEntry[]): AlertCandidate[] {
  const lookUps = batch.filter((e) => byUser(e) && (isChildView(e) || e.action === 'search'));
  const groups = groupBy(lookUps, (e) => {
    const night = nightOf(e.occurredAt);
    return night === null ? null : `${e.actorUserId!}${SEP}${night}`;
  });
  return [...groups].map(([key, entries]) => {
    const night = key.split(SEP)[1]!;
    return candidate('out_of_hours', entries, { key: `night:${night}`, start: ukInstant(night, NIGHT_STARTS_HOUR), end: ukInstant(addDays(night, 1), NIGHT_ENDS_HOUR) }, null);
  });
}

/** The earliest and latest times of a group, as its window. */
function span(entries: readonly ScannedEntry[]): { start: Date; end: Date } {
  const times = entries.map((e) => e.occurredAt.getTime());
  return { start: new Date(Math.min(...times)), end: new Date(Math.max(...times)) };
}

/**
 * A user viewing a child whose family name (current or former, any part of a double-barrelled
 * one) matches the last word of the user's own name, compared as keyed blind-index values so
 * nothing is decrypted. One alert per user and child. (Addresses are not compared: Signpost
 * holds no address for its users.)
 */
export function sharedSurname(batch: readonly ScannedEntry[], facts: RuleFacts): AlertCandidate[] {
  const hits = batch.filter((e) => {
    if (!isChildView(e) || !byUser(e)) return false;
    const user = facts.users.get(e.actorUserId!);
    const child = facts.children.get(e.childId!);
    if (!user || !child || user.surnameIndex.length === 0) return false;
    return user.surnameIndex.some((value) => child.familyNameIndex.includes(value));
  });
  return [...groupBy(hits, (e) => `${e.actorUserId!}${SEP}${e.childId!}`).values()].map((entries) =>
    candidate('shared_surname', entries, { key: `child:${entries[0]!.childId!}`, ...span(entries) }, entries[0]!.childId));
}

/** Per subject, child and UK day: the shape of the two "who viewed this child" rules. */
function perChildPerDay(rule: AlertRule, hits: readonly ScannedEntry[]): AlertCandidate[] {
  const groups = groupBy(hits, (e) => {
    const subject = subjectKeyOf(e);
    return subject === null ? null : `${subject}${SEP}${e.childId!}${SEP}${ukDate(e.occurredAt)}`;
  });
  return [...groups].map(([key, entries]) => {
    const [, childId, day] = key.split(SEP) as [string, string, CalendarDate];
    return candidate(rule, entries, { key: `child:${childId}:${day}`, start: ukInstant(day, 0), end: ukInstant(addDays(day, 1), 0) }, childId);
  });
}

/**
 * A shielded child viewed by someone who is not a named seal-holder: the access rule records
 * such a look with a basis saying "shielded" (a seal-holder's basis says "named seal-holder").
 */
export function shieldedView(batch: readonly ScannedEntry[]): AlertCandidate[] {
  return perChildPerDay('shielded_view', batch.filter((e) => isChildView(e) && (e.basis ?? '').toLowerCase().includes('shielded')));
}

/** True when one of the child's protection or looked-after flags was open on `day`. */
export function flaggedOn(child: ChildFacts, day: CalendarDate): boolean {
  return child.flags.some((f) => FLAGGED_KINDS.includes(f.kind) && f.startedOn <= day && (f.endedOn === null || f.endedOn > day));
}

/**
 * A child on a protection plan, looked after, or subject to an unborn child protection plan,
 * viewed by a person or system whose organisation is not the responsible council (the CP-IS
 * pattern: that council wants to know).
 */
export function flaggedOutsideCouncil(batch: readonly ScannedEntry[], facts: RuleFacts): AlertCandidate[] {
  return perChildPerDay('flagged_outside_council', batch.filter((e) => {
    if (!isChildView(e)) return false;
    const child = facts.children.get(e.childId!);
    return child !== undefined && e.actorOrganisationId !== child.responsibleCouncilId && flaggedOn(child, ukDate(e.occurredAt));
  }));
}

/** Every rule over one batch. */
export function applyRules(batch: readonly ScannedEntry[], facts: RuleFacts): AlertCandidate[] {
  return [
    ...bulkViewing(batch, facts),
    ...outOfHours(batch),
    ...sharedSurname(batch, facts),
    ...shieldedView(batch),
    ...flaggedOutsideCouncil(batch, facts),
    ...failedSignIns(batch, facts),
    ...broadSearching(batch, facts),
    ...breakGlassRate(batch, facts),
  ];
}

/**
 * Each action a burst rule counts: the rule (whose raised windows cover its entries) and how far
 * either side of a batch it looks.
 */
export const BURST_OF_ACTION: Readonly<Record<string, { rule: AlertRule; windowMs: number }>> = {
  view: { rule: 'bulk_viewing', windowMs: BULK_VIEWS_WINDOW_MS },
  search: { rule: 'broad_searching', windowMs: SEARCHES_WINDOW_MS },
  sign_in_failed: { rule: 'failed_sign_ins', windowMs: FAILED_SIGN_INS_WINDOW_MS },
  break_glass: { rule: 'break_glass_rate', windowMs: BREAK_GLASS_WINDOW_MS },
};

/**
 * `[from, to)` without the raised windows: the stretches in which a burst rule still needs a
 * subject's earlier and later entries. Inside a raised window it needs only the batch's own
 * (findBursts adds them to the alert, which already holds every entry scanned there), and a
 * bulk viewer's window can hold hundreds of thousands: reading them again for every batch stalled
 * the service (a scan of 107k entries at 1M took 42 s, 29 s of it reading them).
 */
export function uncovered(from: Date, to: Date, windows: readonly { windowStart: Date; windowEnd: Date }[]): { from: Date; to: Date }[] {
  const out: { from: Date; to: Date }[] = [];
  let at = from.getTime();
  const end = to.getTime();
  for (const w of [...windows].sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime())) {
    if (w.windowEnd.getTime() <= at || w.windowStart.getTime() >= end) continue;
    if (w.windowStart.getTime() > at) out.push({ from: new Date(at), to: w.windowStart });
    at = Math.max(at, w.windowEnd.getTime());
  }
  if (at < end) out.push({ from: new Date(at), to });
  return out;
}

/** Rules whose alerts are bursts, and so are carried on across scans. */
export const BURST_RULES: readonly AlertRule[] = Object.values(BURST_OF_ACTION).map((b) => b.rule);
