import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf } from '../../test/factories/children.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import { decideChildAccess } from './child-access.js';
import { loadAccessFacts } from './access-facts.repository.js';
import type { Viewer } from './viewer.js';

/**
 * SECURITY §1/§4 "List filter = record rule": on random data, the SQL list of children whose case
 * view a user may open ("Children you work with") equals filtering every child through
 * `decideChildAccess`, and the facts loaded for that decision equal facts computed here in plain
 * code from the same random data.
 */

const CHILDREN = 8;
let t: TestApp;
let councils: string[];
let childIds: string[];
let practitioners: { id: string; org: string; team: string | null }[];
let users: { viewer: Extract<Viewer, { kind: 'user' }>; practitionerId: string | null }[];

before(async () => {
  t = await buildTestApp();
  councils = [await anOrganisation(t, 'council'), await anOrganisation(t, 'council')];
  const school = await anOrganisation(t, 'school');
  const [a, b] = councils as [string, string];
  const code = await councilCodeOf(t, a);
  const today = ukDate(t.clock.now());
  const add = async (org: string, team: string | null) => {
    const row = await t.database.db.insertInto('practitioners').values({ organisation_id: org, name: 'P', role: 'social_worker', team, phone: null, email: null }).returning('id').executeTakeFirstOrThrow();
    return { id: row.id, org, team };
  };
  practitioners = [await add(a, 'T1'), await add(a, 'T1'), await add(a, null), await add(b, 'T2'), await add(school, 'T1'), await add(a, 'T2')];
  const admin: Viewer = { kind: 'user', userId: '00000000-0000-4000-8000-000000000001', organisationId: a, role: 'council_administrator' };
  const specs: { org: string; role: string; practitioner: number | null }[] = [
    { org: a, role: 'social_worker', practitioner: 0 },
    { org: a, role: 'mash_officer', practitioner: 1 },
    { org: b, role: 'mash_officer', practitioner: null },
    { org: b, role: 'social_worker', practitioner: 3 },
    { org: school, role: 'practitioner', practitioner: 4 },
    { org: a, role: 'social_worker', practitioner: 2 },
  ];
  users = [];
  for (const [n, spec] of specs.entries()) {
    const practitionerId = spec.practitioner === null ? null : practitioners[spec.practitioner]!.id;
    const id = await t.services.users.add({
      organisationId: spec.org, practitionerId, email: `property${n}@signpost.test`, displayName: `Property ${n}`, role: spec.role, password: TEST_PASSWORD,
      dbsCheckedOn: addDays(today, -10), trainingCompletedOn: addDays(today, -10), agreementSignedOn: addDays(today, -10), totpSecret: TEST_TOTP_SECRET,
    });
    users.push({ viewer: { kind: 'user', userId: id, organisationId: spec.org, role: spec.role }, practitionerId });
  }
  childIds = [];
  const names = ['Abbott', 'Brennan', 'Castellanos', 'Dimitrov', 'Eriksen', 'Fairweather', 'Gallagher', 'Hollingsworth'];
  for (let n = 0; n < CHILDREN; n += 1) {
    childIds.push(await aChild(t, admin, aChildRecordInput(code, { familyName: names[n]!, givenNames: 'Kit', dateOfBirth: addDays('2012-02-03', n * 97) })));
  }
});

after(() => t.close());

const involvementArb = fc.record({
  child: fc.nat(CHILDREN - 1),
  practitioner: fc.nat(5),
  startOffset: fc.integer({ min: -40, max: 5 }),
  length: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
  sensitive: fc.constantFrom('none', 'hidden', 'with basis'),
});
const dataArb = fc.record({
  viewer: fc.nat(5),
  councils: fc.array(fc.nat(1), { minLength: CHILDREN, maxLength: CHILDREN }),
  shielded: fc.array(fc.boolean(), { minLength: CHILDREN, maxLength: CHILDREN }),
  involvements: fc.array(involvementArb, { maxLength: 12 }),
  sealHolders: fc.array(fc.record({ child: fc.nat(CHILDREN - 1), user: fc.nat(5) }), { maxLength: 4 }),
  grants: fc.array(fc.record({ child: fc.nat(CHILDREN - 1), user: fc.nat(5), startHoursAgo: fc.integer({ min: -2, max: 30 }) }), { maxLength: 4 }),
});

test('the SQL list of case-viewable children equals the per-record rule, on random data', async () => {
  const db = t.database.db;
  const today = ukDate(t.clock.now());
  const now = t.clock.now();
  let nonEmpty = 0;
  await fc.assert(fc.asyncProperty(dataArb, async (data) => {
    await db.deleteFrom('involvements').where('child_id', 'in', childIds).execute();
    await db.deleteFrom('child_seal_holders').where('child_id', 'in', childIds).execute();
    await db.deleteFrom('break_glass_grants').where('child_id', 'in', childIds).execute();
    for (const [n, childId] of childIds.entries()) {
      await db.updateTable('children').set({ shielded: data.shielded[n]!, responsible_council_id: councils[data.councils[n]!]! }).where('id', '=', childId).execute();
    }
    const involvements = data.involvements.map((i) => {
      const startedOn = addDays(today, i.startOffset);
      return { ...i, startedOn, endedOn: i.length === null ? null : addDays(startedOn, i.length) };
    });
    for (const i of involvements) {
      const p = practitioners[i.practitioner]!;
      await db.insertInto('involvements').values({
        child_id: childIds[i.child]!, organisation_id: p.org, practitioner_id: p.id, service: 'Service', role: 'other', started_on: i.startedOn, ended_on: i.endedOn,
        end_reason: i.endedOn ? 'OTHERS' : null, sensitive_service: i.sensitive === 'none' ? null : 'mental_health', sensitive_basis: i.sensitive === 'with basis' ? 'consent' : null,
      }).execute();
    }
    for (const h of data.sealHolders) {
      await db.insertInto('child_seal_holders').values({ child_id: childIds[h.child]!, user_id: users[h.user]!.viewer.userId, granted_by_user_id: null })
        .onConflict((oc) => oc.columns(['child_id', 'user_id']).doNothing()).execute();
    }
    const grants = data.grants.map((g) => ({ ...g, grantedAt: new Date(now.getTime() - g.startHoursAgo * 3_600_000) }));
    for (const g of grants) {
      await db.insertInto('break_glass_grants').values({
        user_id: users[g.user]!.viewer.userId, child_id: childIds[g.child]!, reason_code: 'other', reason_text: 'property', granted_at: g.grantedAt, expires_at: new Date(g.grantedAt.getTime() + 24 * 3_600_000),
      }).execute();
    }

    const { viewer, practitionerId } = users[data.viewer]!;
    const mine = practitioners.find((p) => p.id === practitionerId);
    const facts = await loadAccessFacts(db, childIds, { userId: viewer.userId, today, now });
    const expectedIds: string[] = [];
    for (const [n, childId] of childIds.entries()) {
      // The facts, computed here from the generated data.
      const open = involvements.filter((i) => i.child === n && i.sensitive !== 'hidden' && i.startedOn <= today && (i.endedOn === null || i.endedOn > today));
      const want = {
        shielded: data.shielded[n]!,
        sealHolder: data.sealHolders.some((h) => h.child === n && h.user === data.viewer),
        responsibleCouncilId: councils[data.councils[n]!]!,
        ownInvolvement: open.some((i) => practitioners[i.practitioner]!.id === practitionerId),
        teamInvolvement: mine?.team != null && open.some((i) => practitioners[i.practitioner]!.team === mine.team && practitioners[i.practitioner]!.org === mine.org),
        liveBreakGlass: grants.some((g) => g.child === n && g.user === data.viewer && g.grantedAt <= now && g.grantedAt.getTime() + 24 * 3_600_000 > now.getTime()),
      };
      assert.deepEqual(facts.get(childId), want);
      if (decideChildAccess(viewer, facts.get(childId)!, 'case', 'property test').allow) expectedIds.push(childId);
    }
    const listed = await t.services.caseView.caseViewableIds(viewer);
    if (listed.length > 0) nonEmpty += 1;
    assert.deepEqual([...listed].sort(), expectedIds.sort());
  }), { numRuns: 60, seed: Number(process.env['FC_SEED'] ?? Date.now() % 2_147_483_647) });
  // The property would hold vacuously if nothing were ever listed.
  assert.ok(nonEmpty > 0);
});
