import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyRules, BREAK_GLASS_MAX, breakGlassRate, broadSearching, BULK_VIEWS_MAX, bulkViewing, FAILED_SIGN_INS_MIN, failedSignIns, flaggedOutsideCouncil,
  extendAlert, mergeAlert, nightOf, outOfHours, SEARCHES_MAX, sharedSurname, shieldedView, summarise,
  type AlertCandidate, type ChildFacts, type RaisedWindow, type RuleFacts, type ScannedEntry, uncovered,
} from './anomaly-rules.js';
import { ukInstant, ukTimeOfDay } from './uk-time.js';

const USER = '00000000-0000-4000-8000-000000000001';
const OTHER_USER = '00000000-0000-4000-8000-000000000002';
const ORG = '00000000-0000-4000-8000-0000000000a1';
const COUNCIL = '00000000-0000-4000-8000-0000000000c1';
const CHILD = '00000000-0000-4000-8000-0000000000e1';

let nextId = 1;
/** A generated audit entry: a view by USER at 10:00 UK time on a Monday, unless told otherwise. */
function entry(overrides: Partial<ScannedEntry> = {}): ScannedEntry {
  return {
    id: nextId++, occurredAt: new Date('2026-11-23T10:00:00Z'), actorUserId: USER, actorApiClient: null, actorOrganisationId: ORG,
    action: 'view', childId: CHILD, basis: 'stated reason', outcome: 'allowed', ...overrides,
  };
}

/** `count` entries, `everyMs` apart from `start`. */
function series(count: number, everyMs: number, overrides: Partial<ScannedEntry> = {}, start = '2026-11-23T10:00:00Z'): ScannedEntry[] {
  return Array.from({ length: count }, (_, i) => entry({ occurredAt: new Date(new Date(start).getTime() + i * everyMs), ...overrides }));
}

const MINUTE = 60_000;
const noFacts: RuleFacts = { children: new Map(), users: new Map(), nearby: [], raised: [] };
const facts = (extra: Partial<RuleFacts>): RuleFacts => ({ ...noFacts, ...extra });
const raisedFrom = (a: AlertCandidate): RaisedWindow => ({ rule: a.rule, subjectKey: a.subjectUserId!, windowKey: a.windowKey, windowStart: a.windowStart, windowEnd: a.windowEnd });

describe('bulk viewing', () => {
  test(`${BULK_VIEWS_MAX + 1} views within an hour raise one alert holding all of them`, () => {
    const batch = series(BULK_VIEWS_MAX + 1, MINUTE);
    const alerts = bulkViewing(batch, noFacts);
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0]!.entryIds, batch.map((e) => e.id));
    assert.equal(alerts[0]!.summary, '31 records viewed between 10:00 and 11:00 on 23 November 2026');
    assert.equal(alerts[0]!.subjectUserId, USER);
  });

  test(`${BULK_VIEWS_MAX} views within an hour raise nothing`, () => {
    assert.deepEqual(bulkViewing(series(BULK_VIEWS_MAX, MINUTE), noFacts), []);
  });

  test('31 views spread just over an hour raise nothing', () => {
    // One every 2 minutes: any 60 minutes holds 30 of them.
    assert.deepEqual(bulkViewing(series(BULK_VIEWS_MAX + 1, 2 * MINUTE), noFacts), []);
  });

  test('views by two people are counted apart', () => {
    const batch = [...series(20, MINUTE), ...series(20, MINUTE, { actorUserId: OTHER_USER })];
    assert.deepEqual(bulkViewing(batch, noFacts), []);
  });

  test('searches, and views naming no child, are not views of a record', () => {
    assert.deepEqual(bulkViewing(series(40, MINUTE, { childId: null }), noFacts), []);
    assert.deepEqual(bulkViewing(series(40, MINUTE, { action: 'search', childId: null }), noFacts), []);
  });

  test('a burst cut in two by the scan is still one alert, and the second part joins it', () => {
    const all = series(40, MINUTE);
    const first = all.slice(0, 20);
    const second = all.slice(20);
    // First scan: 20 views, nothing yet.
    assert.deepEqual(bulkViewing(first, noFacts), []);
    // Second scan sees the first part as nearby entries: one alert from the first view.
    const [alert] = bulkViewing(second.slice(0, 15), facts({ nearby: first }));
    assert.ok(alert);
    assert.equal(alert.windowKey, first[0]!.occurredAt.toISOString());
    assert.equal(alert.entryIds.length, 35);
    // Third scan: the rest falls in the raised window and is given the same key, to be merged.
    const more = bulkViewing(second.slice(15), facts({ nearby: all.slice(0, 35), raised: [raisedFrom(alert)] }));
    assert.deepEqual(more.map((a) => a.windowKey), [alert.windowKey]);
    assert.deepEqual(mergeAlert(alert, more[0]!)?.entryIds, all.map((e) => e.id));
  });

  test('scanning entries already in an alert again raises nothing new', () => {
    const batch = series(35, MINUTE);
    const [alert] = bulkViewing(batch, noFacts);
    const again = bulkViewing(batch, facts({ raised: [raisedFrom(alert!)] }));
    assert.equal(again.length, 1);
    assert.equal(mergeAlert(alert!, again[0]!), null);
  });

  test('only bursts holding an entry of this batch are returned', () => {
    const old = series(35, MINUTE);
    const fresh = [entry({ occurredAt: new Date('2026-11-23T15:00:00Z') })];
    assert.deepEqual(bulkViewing(fresh, facts({ nearby: old })), []);
  });
});

describe('broad searching, failed sign-ins and break-glass', () => {
  test(`${SEARCHES_MAX + 1} searches in an hour raise one alert; ${SEARCHES_MAX} do not`, () => {
    assert.equal(broadSearching(series(SEARCHES_MAX + 1, MINUTE, { action: 'search', childId: null }), noFacts).length, 1);
    assert.equal(broadSearching(series(SEARCHES_MAX, MINUTE, { action: 'search', childId: null }), noFacts).length, 0);
  });

  test(`${FAILED_SIGN_INS_MIN} failed sign-ins for one account in an hour raise one alert; ${FAILED_SIGN_INS_MIN - 1} do not`, () => {
    const failing = { action: 'sign_in_failed', childId: null, outcome: 'refused', basis: null };
    const alerts = failedSignIns(series(FAILED_SIGN_INS_MIN, 5 * MINUTE, failing), noFacts);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.summary, '10 failed sign-ins between 10:00 and 11:00 on 23 November 2026');
    assert.equal(failedSignIns(series(FAILED_SIGN_INS_MIN - 1, 5 * MINUTE, failing), noFacts).length, 0);
    // Failures for an email that matches no account name nobody, and are not counted.
    assert.equal(failedSignIns(series(20, MINUTE, { ...failing, actorUserId: null }), noFacts).length, 0);
  });

  test(`more than ${BREAK_GLASS_MAX} uses of break-glass in 7 days raise one alert; ${BREAK_GLASS_MAX} do not, nor 4 over 8 days`, () => {
    const day = 24 * 60 * MINUTE;
    const glass = { action: 'break_glass' };
    const alerts = breakGlassRate(series(BREAK_GLASS_MAX + 1, day, glass), noFacts);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.summary, '4 uses of emergency access between 23 November 2026 and 30 November 2026');
    assert.equal(breakGlassRate(series(BREAK_GLASS_MAX, day, glass), noFacts).length, 0);
    assert.equal(breakGlassRate(series(BREAK_GLASS_MAX + 1, (8 * day) / 3, glass), noFacts).length, 0);
  });
});

describe('out-of-hours look-ups', () => {
  test('a view at 23:30 UK time raises one alert for that night', () => {
    const [alert, ...rest] = outOfHours([entry({ occurredAt: new Date('2026-11-23T23:30:00Z') })]);
    assert.equal(rest.length, 0);
    assert.equal(alert!.windowKey, 'night:2026-11-23');
    assert.equal(alert!.summary, '1 look-up between 22:00 and 07:00 on the night of 23 November 2026');
  });

  test('views and searches either side of midnight are one night', () => {
    const alerts = outOfHours([
      entry({ occurredAt: new Date('2026-11-23T22:00:00Z') }),
      entry({ occurredAt: new Date('2026-11-24T06:59:00Z'), action: 'search', childId: null }),
    ]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.entryIds.length, 2);
  });

  test('21:59 and 07:00 are in hours', () => {
    assert.deepEqual(outOfHours([entry({ occurredAt: new Date('2026-11-23T21:59:00Z') }), entry({ occurredAt: new Date('2026-11-24T07:00:00Z') })]), []);
  });

  test('UK time, not UTC: in summer 21:30 UTC is 22:30 BST, and 06:30 UTC is 07:30 BST', () => {
    assert.equal(nightOf(new Date('2026-07-01T21:30:00Z')), '2026-07-01');
    assert.equal(nightOf(new Date('2026-07-01T06:30:00Z')), null);
    assert.equal(ukTimeOfDay(ukInstant('2026-07-01', 22)), '22:00');
    assert.equal(ukInstant('2026-07-01', 22).toISOString(), '2026-07-01T21:00:00.000Z');
    assert.equal(ukInstant('2026-11-23', 22).toISOString(), '2026-11-23T22:00:00.000Z');
  });

  test('agency systems and sign-ins are not look-ups', () => {
    const night = new Date('2026-11-23T23:30:00Z');
    assert.deepEqual(outOfHours([
      entry({ occurredAt: night, actorUserId: null, actorApiClient: 'feed' }),
      entry({ occurredAt: night, action: 'sign_in', childId: null }),
    ]), []);
  });
});

describe('who viewed this child', () => {
  const child = (overrides: Partial<ChildFacts> = {}): ChildFacts => ({ responsibleCouncilId: COUNCIL, familyNameIndex: ['aa', 'bb'], flags: [], ...overrides });

  test('a viewer whose surname matches the child\'s family name raises an alert naming no name', () => {
    const f = facts({ children: new Map([[CHILD, child()]]), users: new Map([[USER, { surnameIndex: ['bb'] }]]) });
    const alerts = sharedSurname([entry(), entry()], f);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.childId, CHILD);
    assert.equal(alerts[0]!.summary, '2 views of a child whose family name matches the viewer\'s own');
  });

  test('a different surname, or no surname known, raises nothing', () => {
    const children = new Map([[CHILD, child()]]);
    assert.deepEqual(sharedSurname([entry()], facts({ children, users: new Map([[USER, { surnameIndex: ['cc'] }]]) })), []);
    assert.deepEqual(sharedSurname([entry()], facts({ children, users: new Map([[USER, { surnameIndex: [] }]]) })), []);
  });

  test('a shielded child seen by someone who is not a seal-holder raises an alert; a seal-holder\'s view does not', () => {
    const alerts = shieldedView([entry({ basis: 'stated reason; shielded, summary only' })]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.windowKey, `child:${CHILD}:2026-11-23`);
    assert.deepEqual(shieldedView([entry({ basis: 'stated reason; named seal-holder' })]), []);
  });

  test('a child on a protection plan viewed from outside the responsible council raises an alert; from inside it does not', () => {
    const cp = child({ flags: [{ kind: 'child_protection_plan', startedOn: '2026-10-01', endedOn: null }] });
    const f = facts({ children: new Map([[CHILD, cp]]) });
    assert.equal(flaggedOutsideCouncil([entry()], f).length, 1);
    assert.equal(flaggedOutsideCouncil([entry({ actorOrganisationId: COUNCIL })], f).length, 0);
    // Agency systems count too: the council wants to know whoever looked.
    assert.equal(flaggedOutsideCouncil([entry({ actorUserId: null, actorApiClient: 'police-feed' })], f)[0]?.subjectApiClient, 'police-feed');
  });

  test('an ended plan, or a flag that is not protection or care, raises nothing', () => {
    const ended = child({ flags: [{ kind: 'child_protection_plan', startedOn: '2026-01-01', endedOn: '2026-11-01' }] });
    const earlyHelp = child({ flags: [{ kind: 'early_help', startedOn: '2026-01-01', endedOn: null }] });
    assert.deepEqual(flaggedOutsideCouncil([entry()], facts({ children: new Map([[CHILD, ended]]) })), []);
    assert.deepEqual(flaggedOutsideCouncil([entry()], facts({ children: new Map([[CHILD, earlyHelp]]) })), []);
  });
});

describe('alerts', () => {
  test('merging adds only new entries and rewrites the summary from the total', () => {
    const start = new Date('2026-11-23T10:00:00Z');
    const end = new Date('2026-11-23T11:00:00Z');
    const merged = mergeAlert({ rule: 'bulk_viewing', entryIds: [1, 2], windowStart: start, windowEnd: end }, { entryIds: [2, 3], windowStart: start, windowEnd: end });
    assert.deepEqual(merged, { entryIds: [1, 2, 3], windowStart: start, windowEnd: end, summary: summarise('bulk_viewing', 3, start, end) });
    assert.equal(mergeAlert({ rule: 'bulk_viewing', entryIds: [1, 2], windowStart: start, windowEnd: end }, { entryIds: [2], windowStart: start, windowEnd: end }), null);
  });

  test('a stored alert extended by a later scan counts the entries added and widens its window to cover them', () => {
    const start = new Date('2026-11-23T10:00:00Z');
    const end = new Date('2026-11-23T11:00:00Z');
    const later = new Date('2026-11-23T11:20:00Z');
    assert.deepEqual(extendAlert({ rule: 'bulk_viewing', entryCount: 31, windowStart: start, windowEnd: end }, 5, { windowStart: start, windowEnd: later }), {
      entryCount: 36, windowStart: start, windowEnd: later, summary: summarise('bulk_viewing', 36, start, later),
    });
  });

  test('an ordinary working hour raises nothing at all', () => {
    const batch = [...series(10, 5 * MINUTE), ...series(5, 10 * MINUTE, { action: 'search', childId: null }), entry({ action: 'sign_in', childId: null })];
    assert.deepEqual(applyRules(batch, noFacts), []);
  });
});

describe('the stretches a burst rule reads around a batch', () => {
  const at = (hh: number) => new Date(Date.UTC(2026, 10, 23, hh));
  const window = (from: number, to: number) => ({ windowStart: at(from), windowEnd: at(to) });
  const hours = (stretches: { from: Date; to: Date }[]) => stretches.map((s) => [s.from.getUTCHours(), s.to.getUTCHours()]);

  test('are the range less every raised window, in order, whatever order the windows come in', () => {
    assert.deepEqual(hours(uncovered(at(1), at(9), [])), [[1, 9]]);
    assert.deepEqual(hours(uncovered(at(1), at(9), [window(6, 7), window(2, 3)])), [[1, 2], [3, 6], [7, 9]]);
    assert.deepEqual(hours(uncovered(at(1), at(9), [window(0, 4), window(3, 5)])), [[5, 9]], 'overlapping windows, one starting before the range');
    assert.deepEqual(hours(uncovered(at(1), at(9), [window(8, 12)])), [[1, 8]], 'a window running past the range');
    assert.deepEqual(hours(uncovered(at(1), at(9), [window(0, 10)])), [], 'all covered: nothing to read');
    assert.deepEqual(hours(uncovered(at(1), at(9), [window(10, 11), window(0, 1)])), [[1, 9]], 'windows outside the range');
  });
});
