import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { totpCode } from '../accounts/totp.js';
import { verifyAudit } from '../audit/audit-verifier.js';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from './demo-accounts.js';
import { demoScenarioChildId } from './scenarios.js';
import { seedDemoWorld } from './seed.js';

/**
 * Issue 4's "done when", played through the real pages on the demo world: a police officer with
 * no relationship finds Callum (a child protection plan, Leeds), sees the signpost view after
 * giving a reason, is refused the case view until they break glass; Callum's lead professional
 * sees the look and the notification; Leeds's information-governance officer sees the alert and
 * reviews it; the family's subject access report lists the look; and an edited audit row is named
 * by the verifier.
 */
const CALLUM = demoScenarioChildId('moved');
const POLICE = 'mash.officer@police.demo.test';
const LEAD_PROFESSIONAL = 'social.worker@bristol.demo.test';
const IG_OFFICER = 'ig.officer@leeds.demo.test';
const EMERGENCY = 'Callum reported missing overnight; checking who knows him';

let t: TestApp;
let police: HttpSession;
const signIn = (email: string) => signInAs(t.app, t.clock, email, DEMO_PASSWORD, DEMO_TOTP_SECRET);

before(async () => {
  t = await buildTestApp();
  await seedDemoWorld({ db: t.database.db, clock: t.clock, users: t.services.users, keys: t.keys }, { seed: 2026, children: 40 });
});
after(() => t.close());

describe('the access walkthrough on the demo world (issue 4, done when)', () => {
  test('a police officer finds the child and sees the signpost view after giving a reason', async () => {
    const callum = await t.services.children.read(CALLUM);
    assert.ok(callum);
    const [year, month, day] = callum.identity.dateOfBirth.split('-');
    police = await signIn(POLICE);
    await police.get('/children/search');
    const results = await police.post('/children/search', {
      reason: 'safeguarding_concern', givenNames: 'Calum', familyName: 'Fairweather', 'dob-day': String(Number(day)), 'dob-month': String(Number(month)), 'dob-year': year!,
    });
    assert.equal(results.statusCode, 200);
    assert.match(results.body, new RegExp(`/children/${CALLUM}`));

    const signpost = await police.post(`/children/${CALLUM}/view`, { reason: 'safeguarding_concern' });
    assert.equal(signpost.statusCode, 200);
    assert.match(signpost.body, /Priya Shah/, 'who is working with him, and how to reach them');
  });

  test('the case view is a 404 until the officer breaks glass with a reason and a fresh code', async () => {
    assert.equal((await police.get(`/children/${CALLUM}/case`)).statusCode, 404);
    await police.get(`/children/${CALLUM}/break-glass`);
    t.clock.advanceMinutes(1); // a new time step: the sign-in code may not be used again
    const grant = await police.post(`/children/${CALLUM}/break-glass`, { reasonCode: 'missing_child', reasonText: EMERGENCY, code: totpCode(DEMO_TOTP_SECRET, t.clock.now()) });
    assert.equal(grant.statusCode, 303);
    assert.equal((await police.get(`/children/${CALLUM}/case`)).statusCode, 200);
  });

  test('the lead professional sees the notification and who looked, and why', async () => {
    const lead = await signIn(LEAD_PROFESSIONAL);
    const inbox = await lead.get('/notifications');
    assert.equal(inbox.statusCode, 200);
    assert.match(inbox.body, /West Yorkshire Police/);
    assert.match(inbox.body, /A safeguarding concern about this child/);
    const whoLooked = await lead.get(`/children/${CALLUM}/who-looked`);
    assert.equal(whoLooked.statusCode, 200);
    assert.match(whoLooked.body, /DC Tom Hughes/);
    assert.match(whoLooked.body, /West Yorkshire Police/);
  });

  test('the information-governance officer sees the break-glass alert and reviews it', async () => {
    const ig = await signIn(IG_OFFICER);
    const queue = await ig.get('/oversight/alerts');
    assert.equal(queue.statusCode, 200);
    const alertId = /\/oversight\/alerts\/(\d+)/.exec(queue.body)?.[1];
    assert.ok(alertId, 'the break-glass alert is in the queue');
    const alert = await ig.get(`/oversight/alerts/${alertId}`);
    assert.match(alert.body, /DC Tom Hughes/);
    const reviewed = await ig.post(`/oversight/alerts/${alertId}`, { outcome: 'appropriate', note: 'Confirmed with the control room: missing-person enquiry' });
    assert.equal(reviewed.statusCode, 303);
    assert.match((await ig.get(`/oversight/alerts/${alertId}`)).body, /Helen Marsh/, 'who reviewed it');

    const report = await ig.get(`/children/${CALLUM}/subject-access`);
    assert.equal(report.statusCode, 200);
    assert.match(report.body, /West Yorkshire Police/, 'the family\'s subject access report lists the look');
  });

  test('editing one audit row makes the verifier name that row', async () => {
    await t.services.audit.sealNow();
    assert.deepEqual(await verifyAudit({ db: t.database.db, keys: t.keys }).then((r) => r.ok), true);
    const { rows: [target] } = await sql<{ leaf_index: number; entry_id: string }>`
      SELECT l.leaf_index, l.entry_id FROM audit_leaves l JOIN audit_entries e ON e.id = l.entry_id
      WHERE e.action = 'break_glass' AND e.child_id = ${CALLUM} ORDER BY l.leaf_index LIMIT 1`.execute(t.database.db);
    assert.ok(target);
    // As a superuser would: past the append-only triggers.
    await t.database.db.connection().execute(async (conn) => {
      await sql`SET session_replication_role = replica`.execute(conn);
      await sql`UPDATE audit_entries SET reason = 'routine check' WHERE id = ${target.entry_id}`.execute(conn);
      await sql`SET session_replication_role = origin`.execute(conn);
    });
    const verdict = await verifyAudit({ db: t.database.db, keys: t.keys });
    assert.deepEqual(verdict.ok ? 'verified' : verdict.firstBadIndex, target.leaf_index, 'the first bad index is the edited row');
  });
});
