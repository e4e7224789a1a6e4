import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { anAgencySystem, type AgencySystem } from '../../test/factories/api-clients.js';
import { csrfTokenIn, signInAs, type HttpSession } from '../../test/http-session.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import { decideChildAccess } from './child-access.js';
import type { Viewer } from './viewer.js';

/**
 * SECURITY §4 "No access without a basis": a generated matrix — role × same/other council ×
 * relationship × shield × break-glass — through the real routes, checked against a small reference
 * function written from SECURITY §1 independently of `decideChildAccess`.
 */

const ROLES = ['social_worker', 'mash_officer'] as const;
const COUNCILS = ['same', 'other'] as const;
const RELATIONSHIPS = ['none', 'own', 'team', 'ended'] as const;
const SHIELDS = ['none', 'shielded', 'seal-holder'] as const;
const GLASS = ['none', 'live', 'expired'] as const;

interface Scenario {
  role: (typeof ROLES)[number];
  council: (typeof COUNCILS)[number];
  relationship: (typeof RELATIONSHIPS)[number];
  shield: (typeof SHIELDS)[number];
  glass: (typeof GLASS)[number];
}

/** The rule as SECURITY §1 states it, for a signed-in user. */
function reference(s: Scenario): { signpost: 'full' | 'summary'; caseView: boolean } {
  const grant = s.glass === 'live';
  const shielded = s.shield !== 'none';
  const holder = s.shield === 'seal-holder';
  const relationship = s.relationship === 'own' || s.relationship === 'team';
  const mash = s.role === 'mash_officer' && s.council === 'same';
  return {
    signpost: shielded && !holder && !grant ? 'summary' : 'full',
    caseView: grant || (shielded ? holder : relationship || mash),
  };
}

let t: TestApp;
let childCouncil: string;
let councilCode: string;
let councilAdmin: Viewer;
let agency: AgencySystem;
const sessions = new Map<string, { session: HttpSession; csrf: string }>();
const scenarios: { s: Scenario; childId: string }[] = [];
let sequence = 0;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** A family name no other test child shares, so no likely match (and no followed shield) links them. */
function uniqueName(): string {
  sequence += 1;
  let n = sequence;
  let out = '';
  do { out += LETTERS.charAt(n % 26); n = Math.floor(n / 26); } while (n > 0);
  return `${out.toUpperCase()}${out}ington`;
}

async function aPractitioner(organisationId: string, team: string | null): Promise<string> {
  const row = await t.database.db.insertInto('practitioners').values({ organisation_id: organisationId, name: 'Pat Worker', role: 'social_worker', team, phone: null, email: null })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

async function aUser(organisationId: string, role: string, practitionerId: string | null): Promise<{ id: string; email: string }> {
  sequence += 1;
  const today = ukDate(t.clock.now());
  const email = `matrix${sequence}-${role}@signpost.test`;
  const id = await t.services.users.add({
    organisationId, practitionerId, email, displayName: `Matrix ${sequence}`, role, password: TEST_PASSWORD,
    dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
  });
  return { id, email };
}

before(async () => {
  t = await buildTestApp();
  childCouncil = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, childCouncil);
  const otherCouncil = await anOrganisation(t, 'council');
  const admin = await aUser(childCouncil, 'council_administrator', null);
  councilAdmin = { kind: 'user', userId: admin.id, organisationId: childCouncil, role: 'council_administrator' };
  agency = await anAgencySystem(t, 'police');
  const today = ukDate(t.clock.now());
  const now = t.clock.now().getTime();

  for (const role of ROLES) {
    for (const council of COUNCILS) {
      const org = council === 'same' ? childCouncil : otherCouncil;
      const team = `Team ${role} ${council}`;
      const own = await aPractitioner(org, team);
      const colleague = await aPractitioner(org, team);
      const user = await aUser(org, role, own);
      const session = await signInAs(t.app, t.clock, user.email, TEST_PASSWORD, TEST_TOTP_SECRET);
      const reasonPage = await session.get(`/children/00000000-0000-4000-8000-000000000000`);
      sessions.set(`${role}/${council}`, { session, csrf: csrfTokenIn(reasonPage.body) });
      for (const relationship of RELATIONSHIPS) {
        for (const shield of SHIELDS) {
          for (const glass of GLASS) {
            const childId = await aChild(t, councilAdmin, aChildRecordInput(councilCode, { familyName: uniqueName(), givenNames: 'Sam', dateOfBirth: addDays('2008-01-01', sequence * 11) }));
            if (relationship !== 'none') {
              await t.services.involvements.add({
                childId, organisationId: org, practitionerId: relationship === 'team' ? colleague : own, service: 'Family support', role: 'allocated_social_worker',
                isLeadProfessional: false, startedOn: addDays(today, -60),
              });
              if (relationship === 'ended') {
                // Ends today: the relationship has expired (ended_on is exclusive).
                await t.database.db.updateTable('involvements').set({ ended_on: today, end_reason: 'MANAGE' }).where('child_id', '=', childId).execute();
              }
            }
            if (shield !== 'none') {
              await t.services.childRecords.shield(councilAdmin, childId, { reason: 'Risk from an adult', decidedBy: 'Head of service', reviewOn: addDays(today, 90) }, null);
              if (shield === 'seal-holder') await t.services.childRecords.addSealHolder(councilAdmin, childId, user.id, null);
            }
            if (glass !== 'none') {
              const grantedAt = new Date(now - (glass === 'live' ? 1 : 25) * 3_600_000);
              await t.database.db.insertInto('break_glass_grants').values({
                user_id: user.id, child_id: childId, reason_code: 'other', reason_text: 'matrix', granted_at: grantedAt, expires_at: new Date(grantedAt.getTime() + 24 * 3_600_000),
              }).execute();
            }
            scenarios.push({ s: { role, council, relationship, shield, glass }, childId });
          }
        }
      }
    }
  }
});

after(() => t.close());

const label = (s: Scenario) => `${s.role}, ${s.council} council, relationship ${s.relationship}, shield ${s.shield}, break-glass ${s.glass}`;

describe('the access matrix through the real routes', () => {
  test('the reference function is not trivially the same everywhere (the matrix can fail)', () => {
    const outcomes = new Set(scenarios.map(({ s }) => JSON.stringify(reference(s))));
    assert.ok(outcomes.size >= 3);
    assert.equal(scenarios.length, ROLES.length * COUNCILS.length * RELATIONSHIPS.length * SHIELDS.length * GLASS.length);
  });

  test('signpost page and case view match the reference for every signed-in combination', async () => {
    const mismatches: string[] = [];
    for (const { s, childId } of scenarios) {
      const { session, csrf } = sessions.get(`${s.role}/${s.council}`)!;
      const want = reference(s);
      // Each viewer from its own address: the signpost page's per-address rate limit is not under test here.
      const signpost = await session.request({
        method: 'POST', url: `/children/${childId}/view`, remoteAddress: `10.0.${ROLES.indexOf(s.role)}.${COUNCILS.indexOf(s.council) + 1}`,
        payload: new URLSearchParams({ _csrf: csrf, reason: 'other', reasonDetail: 'access matrix' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const gotSignpost = signpost.statusCode !== 200 ? `status ${signpost.statusCode}` : signpost.body.includes('Shielded record') ? 'summary' : signpost.body.includes('Who is working with this child') ? 'full' : 'unknown page';
      if (gotSignpost !== want.signpost) mismatches.push(`${label(s)}: signpost ${gotSignpost}, expected ${want.signpost}`);
      const caseView = await session.get(`/children/${childId}/case`);
      const wantStatus = want.caseView ? 200 : 404;
      if (caseView.statusCode !== wantStatus) mismatches.push(`${label(s)}: case view ${caseView.statusCode}, expected ${wantStatus}`);
      if (caseView.statusCode === 200 && !caseView.body.includes('Chronology')) mismatches.push(`${label(s)}: case view without a chronology`);
    }
    assert.deepEqual(mismatches, []);
  });

  test('every case look is audited with its basis and outcome', async () => {
    const rows = await t.database.db.selectFrom('audit_entries').select(['child_id', 'basis', 'outcome'])
      .where('reason', '=', 'case view').where('action', '=', 'view').execute();
    assert.equal(rows.length, scenarios.length);
    const byChild = new Map(rows.map((r) => [r.child_id, r]));
    for (const { s, childId } of scenarios) {
      const row = byChild.get(childId)!;
      assert.equal(row.outcome, reference(s).caseView ? 'allowed' : 'refused', label(s));
      if (s.glass === 'live') assert.equal(row.basis, 'break-glass', label(s));
      else if (row.outcome === 'allowed' && s.shield === 'none') assert.ok(['own involvement', 'team involvement', 'MASH role'].includes(row.basis ?? ''), `${label(s)}: ${row.basis}`);
    }
  });

  test('an agency system gets the signpost (summary when shielded), never the case view', async () => {
    const mismatches: string[] = [];
    for (const { s, childId } of scenarios.filter((x) => x.s.role === 'social_worker' && x.s.council === 'same' && x.s.glass === 'none')) {
      const response = await agency.call('GET', `/api/v1/children/${childId}/signpost?reason=${encodeURIComponent('access matrix')}`);
      const got = response.statusCode !== 200 ? `status ${response.statusCode}` : response.json<{ shielded?: boolean }>().shielded === true ? 'summary' : 'full';
      const want = s.shield === 'none' ? 'full' : 'summary';
      if (got !== want) mismatches.push(`${label(s)}: API ${got}, expected ${want}`);
      const caseView = await agency.call('GET', `/children/${childId}/case`);
      if (caseView.statusCode === 200) mismatches.push(`${label(s)}: agency system got a case view`);
    }
    assert.deepEqual(mismatches, []);
    const apiViewer: Viewer = { kind: 'api-client', clientId: agency.clientId, organisationId: agency.organisationId, sourceSystems: [] };
    for (const liveBreakGlass of [false, true]) {
      const decision = decideChildAccess(apiViewer, { shielded: false, sealHolder: true, ownInvolvement: true, teamInvolvement: true, liveBreakGlass, responsibleCouncilId: agency.organisationId }, 'case', 'x');
      assert.equal(decision.allow, false);
    }
  });

  test('a child the viewer may not open is a 404 byte-identical to a missing child', async () => {
    const { s, childId } = scenarios.find((x) => !reference(x.s).caseView && x.s.shield === 'shielded')!;
    const { session } = sessions.get(`${s.role}/${s.council}`)!;
    const strip = (html: string) => html
      .replace(/nonce="[^"]+"/g, '')
      .replace(/name="_csrf" value="[^"]+"/g, '')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, 'ID')
      .replace(/req-[A-Za-z0-9-]+/g, 'REQ');
    const refused = await session.get(`/children/${childId}/case`);
    const missing = await session.get('/children/00000000-0000-4000-8000-0000000000ff/case');
    const notAnId = await session.get('/children/not-a-child/case');
    assert.equal(refused.statusCode, 404);
    assert.equal(missing.statusCode, 404);
    assert.equal(strip(refused.body), strip(missing.body));
    assert.equal(strip(notAnId.body), strip(missing.body));
    assert.equal(refused.headers['content-type'], missing.headers['content-type']);
  });
});
