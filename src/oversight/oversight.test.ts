import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let councilA: string;
let councilB: string;
let school: string;
let schoolCode: string;
const people: Record<'worker' | 'quietWorker' | 'relative' | 'teacher' | 'nightOwl' | 'officer' | 'officerB', { id: string; email: string; viewer: Viewer }> = {} as never;
let thistlewood: string;
let rowntree: string;
let okafor: string;

async function person(key: keyof typeof people, organisationId: string, displayName: string, role: string): Promise<void> {
  const today = ukDate(t.clock.now());
  const email = `${key.toLowerCase()}@oversight.test`;
  const id = await t.services.users.add({
    organisationId, email, displayName, role, password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -100), trainingCompletedOn: addDays(today, -100), agreementSignedOn: addDays(today, -30), totpSecret: TEST_TOTP_SECRET,
  });
  people[key] = { id, email, viewer: { kind: 'user', userId: id, organisationId, role } };
}

/** Views a child `times` times, a minute apart, as a practitioner would through the signpost page. */
async function view(who: Viewer, childIds: string[], times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await t.services.childRecords.lookAt(who, childIds[i % childIds.length]!, 'Planning a home visit', null);
    t.clock.advanceMinutes(1);
  }
}

/** A subject's alerts of one rule, each with its audit entry ids in order. */
function alertsOf(subjectUserId: string, rule: string) {
  return t.database.db.selectFrom('access_alerts as al').selectAll('al')
    .select(sql<string[]>`ARRAY(SELECT e.audit_entry_id FROM access_alert_entries e WHERE e.alert_id = al.id ORDER BY e.audit_entry_id)`.as('audit_entry_ids'))
    .where('al.subject_user_id', '=', subjectUserId).where('al.rule', '=', rule).orderBy('al.id').execute();
}

/** The audit entry ids listed on a workspace page ("Entry 123"), in page order. */
const entryIdsOn = (html: string) => [...html.matchAll(/Entry (\d+)</g)].map((m) => Number(m[1]));

before(async () => {
  t = await buildTestApp();
  councilA = await anOrganisation(t, 'council');
  councilB = await anOrganisation(t, 'council');
  school = await anOrganisation(t, 'school');
  const schools = await t.services.organisations.list({ kind: 'school', limit: 500, offset: 0 });
  schoolCode = schools.find((o) => o.id === school)!.code;
  await person('worker', councilA, 'Priya Shah', 'social_worker');
  await person('quietWorker', councilA, 'Tom Baker', 'social_worker');
  await person('relative', councilB, 'Sam Thistlewood', 'social_worker');
  await person('teacher', school, 'Alex Morgan', 'practitioner');
  await person('nightOwl', councilA, 'Jo Night', 'social_worker');
  await person('officer', councilA, 'Ira Governance', 'information_governance_officer');
  await person('officerB', councilB, 'Bea Governance', 'information_governance_officer');
  const code = await councilCodeOf(t, councilA);
  thistlewood = await aChild(t, people.worker.viewer, aChildRecordInput(code));
  rowntree = await aChild(t, people.worker.viewer, aChildRecordInput(code, { givenNames: 'Mia', familyName: 'Rowntree', sex: 'female', dateOfBirth: '2018-02-03' }));
  okafor = await aChild(t, people.worker.viewer, aChildRecordInput(code, { givenNames: 'Ada', familyName: 'Okafor', sex: 'female', dateOfBirth: '2015-06-07' }));
});

after(() => t.close());

describe('anomaly alerts from the audit', () => {
  test('a burst of 31 views raises exactly one bulk-viewing alert, scanning again raises none, and later views in its hour join it', async () => {
    t.clock.set('2026-11-23T10:00:00Z');
    await view(people.worker.viewer, [thistlewood, rowntree, okafor], 31);
    await view(people.quietWorker.viewer, [thistlewood, rowntree], 30);
    const first = await t.services.oversight.scan();
    assert.ok(first.raised >= 1);
    const alerts = await alertsOf(people.worker.id, 'bulk_viewing');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.audit_entry_ids.length, 31);
    assert.equal(alerts[0]!.entry_count, 31);
    assert.equal(alerts[0]!.summary, '31 records viewed between 10:00 and 11:00 on 23 November 2026');
    assert.equal(alerts[0]!.council_id, councilA);
    assert.equal(alerts[0]!.status, 'open');
    assert.deepEqual(await alertsOf(people.quietWorker.id, 'bulk_viewing'), [], '30 views are not a burst');

    const again = await t.services.oversight.scan();
    assert.equal(again.raised, 0);
    assert.equal(again.extended, 0);
    assert.equal((await alertsOf(people.worker.id, 'bulk_viewing')).length, 1);

    // Five more views inside the hour, seen by a later scan, join the alert already raised.
    t.clock.set('2026-11-23T10:40:00Z');
    await view(people.worker.viewer, [okafor], 5);
    const later = await t.services.oversight.scan();
    assert.deepEqual([later.raised, later.extended], [0, 1]);
    const [grown] = await alertsOf(people.worker.id, 'bulk_viewing');
    assert.deepEqual(grown!.audit_entry_ids.slice(0, 31), alerts[0]!.audit_entry_ids, 'the first 31 kept');
    assert.deepEqual([grown!.audit_entry_ids.length, grown!.entry_count], [36, 36]);
    assert.equal(grown!.summary, '36 records viewed between 10:00 and 11:00 on 23 November 2026');
  });

  test('a user viewing a child with their own surname raises an alert, which names no name', async () => {
    t.clock.set('2026-11-23T12:00:00Z');
    await view(people.relative.viewer, [thistlewood, rowntree], 2);
    await t.services.oversight.scan();
    const alerts = await alertsOf(people.relative.id, 'shared_surname');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.child_id, thistlewood);
    // The child's council works it, not the viewer's.
    assert.equal(alerts[0]!.council_id, councilA);
    assert.doesNotMatch(alerts[0]!.summary, /thistlewood/i);
  });

  test('a view at 23:30 UK time raises one out-of-hours alert', async () => {
    t.clock.set('2026-11-23T23:30:00Z');
    await view(people.quietWorker.viewer, [rowntree], 1);
    await t.services.oversight.scan();
    const alerts = await alertsOf(people.quietWorker.id, 'out_of_hours');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.window_key, 'night:2026-11-23');
    assert.equal(alerts[0]!.audit_entry_ids.length, 1);
  });

  test('a shielded child and a child on a protection plan viewed from a school raise alerts for the child\'s council', async () => {
    t.clock.set('2026-11-24T09:30:00Z');
    await t.services.childRecords.shield(people.worker.viewer, okafor, { reason: 'Fleeing domestic abuse', decidedBy: 'Team manager', reviewOn: '2027-05-01' }, null);
    await t.services.flags.set({ childId: rowntree, kind: 'child_protection_plan', responsibleCouncilId: councilA, startedOn: '2026-11-01' });
    await view(people.teacher.viewer, [okafor, rowntree], 2);
    await t.services.oversight.scan();
    const shielded = await alertsOf(people.teacher.id, 'shielded_view');
    assert.deepEqual(shielded.map((a) => [a.child_id, a.council_id]), [[okafor, councilA]]);
    const flagged = await alertsOf(people.teacher.id, 'flagged_outside_council');
    assert.deepEqual(flagged.map((a) => [a.child_id, a.council_id]), [[rowntree, councilA]]);
  });

  test('only sealed entries are scanned: one committed late with a lower id is scanned once it is sealed', async () => {
    let inserted!: () => void;
    let release!: () => void;
    const wasInserted = new Promise<void>((resolve) => (inserted = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    t.clock.set('2026-11-24T23:45:00Z');
    const late = t.database.db.transaction().execute(async (tx) => {
      await t.services.audit.record(tx, { actorUserId: people.nightOwl.id, actorOrganisationId: councilA, actorRole: 'social_worker', action: 'search', basis: 'stated reason', reason: 'late', outcome: 'allowed', requestId: null });
      inserted();
      await gate;
    });
    await wasInserted;
    t.clock.set('2026-11-25T09:00:00Z');
    await view(people.worker.viewer, [thistlewood], 1);
    await t.services.oversight.scan();
    assert.deepEqual(await alertsOf(people.nightOwl.id, 'out_of_hours'), [], 'not committed yet, so not sealed, so not scanned');

    release();
    await late;
    const unsealed = await t.services.oversight.scanSealed();
    assert.equal(unsealed.scanned, 0, 'committed but not yet sealed');
    await t.services.oversight.scan();
    const alerts = await alertsOf(people.nightOwl.id, 'out_of_hours');
    assert.equal(alerts.length, 1);
    const lateEntry = await t.database.db.selectFrom('audit_entries').select('id').where('reason', '=', 'late').executeTakeFirstOrThrow();
    assert.deepEqual(alerts[0]!.audit_entry_ids.map(Number), [lateEntry.id]);
  });
});

describe('the information-governance workspace', () => {
  let officer: HttpSession;
  let bulkId: number;

  before(async () => {
    t.clock.set('2026-11-25T10:00:00Z');
    officer = await signInAs(t.app, t.clock, people.officer.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    bulkId = (await alertsOf(people.worker.id, 'bulk_viewing'))[0]!.id;
  });

  test('the officer sees the council\'s alerts, open first, and reviews one as inappropriate; the review is stored and audited', async () => {
    const queue = await officer.get('/oversight/alerts');
    assert.equal(queue.statusCode, 200);
    assert.match(queue.body, /<caption[^>]*>Alerts for your council, open first/);
    assert.match(queue.body, /Many records viewed in an hour/);
    assert.match(queue.body, /36 records viewed between 10:00 and 11:00 on 23 November 2026/);
    assert.match(queue.body, /Child shares the viewer&#39;s surname/);

    const page = await officer.get(`/oversight/alerts/${bulkId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /The 36 audit entries behind this alert/);
    assert.equal(entryIdsOn(page.body).length, 36);

    const missing = await officer.post(`/oversight/alerts/${bulkId}`, { note: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /There is a problem/);
    assert.match(missing.body, /href="#outcome"[^>]*>Select whether the access was appropriate/);

    const noNote = await officer.post(`/oversight/alerts/${bulkId}`, { outcome: 'inappropriate', note: '' });
    assert.equal(noNote.statusCode, 400);
    assert.match(noNote.body, /Say why the access was inappropriate/);
    assert.equal((await alertsOf(people.worker.id, 'bulk_viewing'))[0]!.status, 'open', 'nothing saved from a form with errors');

    t.clock.set('2026-11-25T10:05:00Z');
    const saved = await officer.post(`/oversight/alerts/${bulkId}`, { outcome: 'inappropriate', note: 'No case reason; raised with the team manager' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/oversight/alerts/${bulkId}?reviewed=1`);
    const [stored] = await alertsOf(people.worker.id, 'bulk_viewing');
    assert.equal(stored!.status, 'inappropriate');
    assert.equal(stored!.reviewed_by, people.officer.id);
    assert.equal(stored!.reviewed_at?.toISOString(), '2026-11-25T10:05:00.000Z');
    assert.equal(stored!.review_note, 'No case reason; raised with the team manager');

    const audited = await t.database.db.selectFrom('audit_entries').select(['action', 'basis', 'reason', 'outcome', 'child_id'])
      .where('actor_user_id', '=', people.officer.id).where('action', 'in', ['view', 'update']).orderBy('id').execute();
    assert.deepEqual(audited.map((e) => [e.action, e.basis, e.reason, e.outcome]), [
      ['view', 'information governance', 'alert queue', 'allowed'],
      ['view', 'information governance', `alert ${bulkId}`, 'allowed'],
      // The two forms with errors read the alert again to show it.
      ['view', 'information governance', `alert ${bulkId}`, 'allowed'],
      ['view', 'information governance', `alert ${bulkId}`, 'allowed'],
      ['update', 'information governance', `alert ${bulkId} reviewed: inappropriate`, 'allowed'],
    ]);

    const shown = await officer.get(`/oversight/alerts/${bulkId}?reviewed=1`);
    assert.match(shown.body, /Review saved: inappropriate/);
    assert.match(shown.body, /Ira Governance, 25 November 2026 at 10:05am/);
  });

  test('the queue filters by status', async () => {
    const reviewed = await officer.get('/oversight/alerts?status=inappropriate');
    assert.match(reviewed.body, new RegExp(`href="/oversight/alerts/${bulkId}"`));
    const open = await officer.get('/oversight/alerts?status=open');
    assert.equal(open.statusCode, 200);
    assert.doesNotMatch(open.body, new RegExp(`href="/oversight/alerts/${bulkId}"`));
    assert.match(open.body, /Look-ups out of hours/);
    const bad = await officer.get('/oversight/alerts?status=closed');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Select a status from the list/);
  });

  test('an alert about one child links to that child\'s audit trail and shows no name', async () => {
    const [surname] = await alertsOf(people.relative.id, 'shared_surname');
    const page = await officer.get(`/oversight/alerts/${surname!.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`<a class="govuk-link" href="/oversight\\?child=${thistlewood}">${thistlewood}</a>`));
    assert.match(page.body, /Sam Thistlewood \(relative@oversight\.test\)/, 'the person the alert is about');
    assert.equal(page.body.match(/Thistlewood/g)?.length, 1, 'the viewer\'s own name, never the child\'s');
  });

  test('another council\'s officer does not see the alert', async () => {
    const other = await signInAs(t.app, t.clock, people.officerB.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const queue = await other.get('/oversight/alerts');
    assert.equal(queue.statusCode, 200);
    assert.doesNotMatch(queue.body, /36 records viewed/);
    assert.equal((await other.get(`/oversight/alerts/${bulkId}`)).statusCode, 404);
    const post = await other.post(`/oversight/alerts/${bulkId}`, { outcome: 'appropriate', note: '' });
    assert.equal(post.statusCode, 404);
    assert.equal((await alertsOf(people.worker.id, 'bulk_viewing'))[0]!.status, 'inappropriate');
  });

  test('someone who is not an information-governance officer gets the missing-page answer, and the attempt is recorded', async () => {
    const worker = await signInAs(t.app, t.clock, people.worker.email, TEST_PASSWORD, TEST_TOTP_SECRET);
    const missing = await worker.get('/no-such-page');
    assert.equal(missing.statusCode, 404);
    for (const url of ['/oversight', '/oversight?child=nonsense', '/oversight/alerts', `/oversight/alerts/${bulkId}`, '/oversight/alerts/abc']) {
      const response = await worker.get(url);
      assert.equal(response.statusCode, 404, url);
      assert.match(response.body, /Page not found/);
      assert.doesNotMatch(response.body, /alert|audit/i, url);
    }
    await worker.get('/');
    const post = await worker.post(`/oversight/alerts/${bulkId}`, { outcome: 'appropriate', note: '' });
    assert.equal(post.statusCode, 404);
    assert.equal((await alertsOf(people.worker.id, 'bulk_viewing'))[0]!.status, 'inappropriate', 'their own alert is unchanged');
    const refusals = await t.database.db.selectFrom('audit_entries').select(['basis', 'outcome'])
      .where('actor_user_id', '=', people.worker.id).where('outcome', '=', 'refused').execute();
    assert.equal(refusals.length, 6);
    assert.ok(refusals.every((r) => r.basis === 'not an information governance officer'));
  });

  describe('searching the audit log', () => {
    /** What the search should list: the same filter straight from the table, newest (highest id) first. */
    async function expected(filter: (q: ReturnType<typeof base>) => ReturnType<typeof base>) {
      const rows = await filter(base()).orderBy('id', 'desc').limit(50).execute();
      return rows.map((r) => r.id);
    }
    const base = () => t.database.db.selectFrom('audit_entries').select('id');

    test('by person, child, organisation, action, basis and dates, newest first in a captioned table', async () => {
      const byPerson = await officer.get(`/oversight?email=${encodeURIComponent(people.relative.email.toUpperCase())}`);
      assert.equal(byPerson.statusCode, 200);
      assert.match(byPerson.body, /<caption[^>]*>Audit entries, newest first/);
      assert.deepEqual(entryIdsOn(byPerson.body), await expected((q) => q.where('actor_user_id', '=', people.relative.id)));
      assert.ok(entryIdsOn(byPerson.body).length >= 2);

      const byChild = await officer.get(`/oversight?child=${okafor}`);
      assert.deepEqual(entryIdsOn(byChild.body), await expected((q) => q.where('child_id', '=', okafor)));
      assert.ok(entryIdsOn(byChild.body).length >= 3);

      const byOrganisation = await officer.get(`/oversight?organisation=${schoolCode.toLowerCase()}&action=view`);
      assert.deepEqual(entryIdsOn(byOrganisation.body), await expected((q) => q.where('actor_organisation_id', '=', school).where('action', '=', 'view')));
      assert.equal(entryIdsOn(byOrganisation.body).length, 2);

      const byAction = await officer.get('/oversight?action=search');
      assert.deepEqual(entryIdsOn(byAction.body), await expected((q) => q.where('action', '=', 'search')));
      assert.equal(entryIdsOn(byAction.body).length, 1);

      const byBasis = await officer.get('/oversight?basis=SHIELDED');
      assert.deepEqual(entryIdsOn(byBasis.body), await expected((q) => q.where('basis', 'ilike', '%shielded%')));
      assert.equal(entryIdsOn(byBasis.body).length, 1);

      // 24 November in the UK (GMT in November): the shield, the flag's views and the late search.
      const byDates = await officer.get('/oversight?from-day=24&from-month=11&from-year=2026&to-day=24&to-month=11&to-year=2026');
      assert.deepEqual(entryIdsOn(byDates.body), await expected((q) => q.where('occurred_at', '>=', new Date('2026-11-24T00:00:00Z')).where('occurred_at', '<', new Date('2026-11-25T00:00:00Z'))));
      assert.ok(entryIdsOn(byDates.body).length >= 4);
    });

    test('looking is recorded with what was searched for', async () => {
      await officer.get(`/oversight?child=${thistlewood}&action=view`);
      const last = await t.database.db.selectFrom('audit_entries').select(['action', 'basis', 'reason', 'outcome'])
        .where('actor_user_id', '=', people.officer.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.deepEqual(last, { action: 'view', basis: 'information governance', reason: `audit search: child ${thistlewood}, action view`, outcome: 'allowed' });
    });

    test('pages of 50 stay put while the officer\'s own looks are added to the log', async () => {
      const first = await officer.get('/oversight?action=view');
      const firstIds = entryIdsOn(first.body);
      assert.equal(firstIds.length, 50);
      const next = /href="(\/oversight\?[^"]*page=2[^"]*)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(next, 'a link to the next page');
      const upTo = Number(new URL(next, 'http://x').searchParams.get('upto'));
      const second = await officer.get(next);
      const secondIds = entryIdsOn(second.body);
      const wanted = await base().where('action', '=', 'view').where('id', '<=', upTo).orderBy('id', 'desc').offset(50).limit(50).execute();
      assert.deepEqual(secondIds, wanted.map((r) => r.id));
      assert.ok(secondIds.every((id) => !firstIds.includes(id) && id < Math.min(...firstIds)));
      assert.match(second.body, /Previous/);
    });

    test('bad input is shown in an error summary, and nothing is searched', async () => {
      const cases: [string, RegExp][] = [
        ['/oversight?child=not-a-reference', /Enter the child&#39;s Signpost reference/],
        ['/oversight?email=nobody%40nowhere.test', /No account has this email address/],
        ['/oversight?organisation=NOPE', /No organisation has this code/],
        ['/oversight?action=delete', /Select an action from the list/],
        ['/oversight?from-day=31&from-month=2&from-year=2026', /Start date must be a real date/],
        ['/oversight?from-day=25&from-month=11&from-year=2026&to-day=24&to-month=11&to-year=2026', /End date must be the same as or after the start date/],
      ];
      for (const [url, message] of cases) {
        const response = await officer.get(url);
        assert.equal(response.statusCode, 400, url);
        assert.match(response.body, /There is a problem/, url);
        assert.match(response.body, message, url);
        assert.deepEqual(entryIdsOn(response.body), [], url);
      }
    });
  });
});
