import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, aDistinctIdentity, councilCodeOf } from '../../test/factories/children.js';
import { anAgencySystem, type AgencySystem } from '../../test/factories/api-clients.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { allowAuditWrites, refuseAuditWrites } from '../../test/audit-refusal.js';
import type { Viewer } from '../access/viewer.js';

/**
 * SECURITY.md §4 "Audit complete": every route that touches a child leaves exactly one audit entry
 * (right action, actor and request id), and a failed audit write fails the request — no 200, no
 * child data in the answer, nothing written. The app runs as the least-privilege app role, as in
 * production; the test reads and rigs the database as the owner.
 */

let t: TestApp;
let worker: { id: string; email: string };
let session: HttpSession;
let police: AgencySystem;
let councilCode: string;
let childId: string;
/** A council's case system, sending involvements, flags and moves for a child it fed. */
let mosaic: AgencySystem;
let mosaicCode: string;
let otherCouncilCode: string;
let fedChildId: string;
let fedChildCouncil: string;

const CHILD = { givenNames: 'Perpetua', familyName: 'Ashcombe', dateOfBirth: '2013-05-17', sex: 'female' as const };

async function lastAuditId(): Promise<number> {
  const { rows } = await sql<{ id: number }>`SELECT coalesce(max(id), 0)::integer AS id FROM audit_entries`.execute(t.database.db);
  return rows[0]!.id;
}

function entriesAfter(id: number) {
  return t.database.db.selectFrom('audit_entries')
    .select(['action', 'actor_user_id', 'actor_api_client', 'child_id', 'request_id', 'outcome'])
    .where('id', '>', id).orderBy('id').execute();
}

/** Runs `request` and returns its response and the audit entries it left. */
async function audited(request: () => Promise<LightMyRequestResponse>) {
  const before = await lastAuditId();
  const response = await request();
  return { response, entries: await entriesAfter(before) };
}

/** The child-touching routes, each as a request that succeeds when the audit can be written. */
interface Route {
  name: string;
  request(): Promise<LightMyRequestResponse>;
  expect: { status: number; action: string; actor: 'user' | 'api'; child: boolean };
}

const routes: Route[] = [
  {
    name: 'POST /children/{id}/view (the signpost page, after the reason page)',
    request: async () => {
      await session.get(`/children/${childId}`);
      return session.post(`/children/${childId}/view`, { reason: 'education' });
    },
    expect: { status: 200, action: 'view', actor: 'user', child: true },
  },
  {
    name: 'GET /children/{id}/who-looked',
    request: () => session.get(`/children/${childId}/who-looked`),
    expect: { status: 200, action: 'view', actor: 'user', child: true },
  },
  {
    name: 'POST /children/search',
    request: async () => {
      await session.get('/children/search');
      return session.post('/children/search', { reason: 'education', givenNames: CHILD.givenNames, familyName: CHILD.familyName, 'dob-day': '17', 'dob-month': '5', 'dob-year': '2013' });
    },
    expect: { status: 200, action: 'search', actor: 'user', child: false },
  },
  {
    name: 'GET /api/v1/children/{id}/signpost',
    request: () => police.call('GET', `/api/v1/children/${childId}/signpost?reason=${encodeURIComponent('strategy discussion')}`),
    expect: { status: 200, action: 'view', actor: 'api', child: true },
  },
  {
    name: 'POST /api/v1/children/search',
    request: () => police.call('POST', '/api/v1/children/search', { reason: 'missing person report', familyName: CHILD.familyName, givenNames: CHILD.givenNames, dateOfBirth: CHILD.dateOfBirth }),
    expect: { status: 200, action: 'search', actor: 'api', child: false },
  },
];

let upserts = 0;
/** A new source id each time, so every call creates a child. */
const upsertNewChild = () => {
  upserts += 1;
  return police.call('PUT', `/api/v1/sources/niche-rms/children/AC-${String(upserts)}`, aChildRecordInput(councilCode, aDistinctIdentity(upserts)));
};

/**
 * The agency write routes about a child: each call uses new source ids, so each one writes (an
 * idempotent repeat writes nothing and is not audited, README "Idempotency"). `table` is where
 * the write lands, to check a refused write left nothing.
 */
interface WriteRoute {
  name: string;
  table: 'involvements' | 'child_flags' | 'area_history';
  /** Set-up that must succeed first (run before the audit is made to fail). */
  prepare?(n: number): Promise<void>;
  request(n: number): Promise<LightMyRequestResponse>;
  status: number;
}
const writeRoutes: WriteRoute[] = [
  {
    name: 'PUT /api/v1/sources/{system}/involvements/{id}',
    table: 'involvements',
    request: (n) => mosaic.call('PUT', `/api/v1/sources/mosaic/involvements/INV-${String(n)}`, {
      childId: fedChildId, organisationCode: mosaicCode, practitioner: { name: `Worker ${String(n)}` }, service: 'Assessment team', role: 'allocated_social_worker', isLeadProfessional: false, startedOn: '2026-09-01',
    }),
    status: 201,
  },
  {
    name: 'POST /api/v1/sources/{system}/involvements/{id}/end',
    table: 'involvements',
    prepare: async (n) => {
      const put = await mosaic.call('PUT', `/api/v1/sources/mosaic/involvements/END-${String(n)}`, {
        childId: fedChildId, organisationCode: mosaicCode, service: 'Assessment team', role: 'allocated_social_worker', isLeadProfessional: false, startedOn: '2026-09-01',
      });
      assert.equal(put.statusCode, 201, put.body);
    },
    request: (n) => mosaic.call('POST', `/api/v1/sources/mosaic/involvements/END-${String(n)}/end`, { endedOn: '2026-11-01', endReason: 'LEFTRL' }),
    status: 200,
  },
  {
    name: 'PUT /api/v1/sources/{system}/flags/{id}',
    table: 'child_flags',
    // A different kind each time: a child has one open flag of a kind, and sending it again under
    // another id is an idempotent no-op (200, nothing written, nothing audited).
    request: (n) => mosaic.call('PUT', `/api/v1/sources/mosaic/flags/FLAG-${String(n)}`, { childId: fedChildId, kind: FLAG_KINDS_TO_SEND[flagsSent++ % FLAG_KINDS_TO_SEND.length], councilCode: mosaicCode, startedOn: '2026-09-10' }),
    status: 201,
  },
  {
    name: 'POST /api/v1/children/{id}/moves',
    table: 'area_history',
    // Always to the council the child does not live in now, on a new day.
    request: async (n) => {
      const to = fedChildCouncil === mosaicCode ? otherCouncilCode : mosaicCode;
      const response = await mosaic.call('POST', `/api/v1/children/${fedChildId}/moves`, { councilCode: to, movedOn: `2026-10-${String(10 + (n % 18))}`, reason: 'family moved' });
      if (response.statusCode === 201) fedChildCouncil = to;
      return response;
    },
    status: 201,
  },
];
let writes = 0;
const FLAG_KINDS_TO_SEND = ['child_in_need', 'child_protection_plan', 'looked_after'];
let flagsSent = 0;

before(async () => {
  t = await buildTestApp({ appRole: true });
  const council = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, council);
  worker = await anAccount(t, 'vetted', { organisationId: council });
  const viewer: Viewer = { kind: 'user', userId: worker.id, organisationId: council, role: 'social_worker' };
  childId = await aChild(t, viewer, aChildRecordInput(councilCode, CHILD));
  session = await signInAs(t.app, t.clock, worker.email, TEST_PASSWORD, TEST_TOTP_SECRET);
  police = await anAgencySystem(t, 'police');
  mosaic = await anAgencySystem(t, 'council', 'Council case system', ['mosaic']);
  mosaicCode = await councilCodeOf(t, mosaic.organisationId);
  otherCouncilCode = await councilCodeOf(t, await anOrganisation(t, 'council'));
  const fed = await mosaic.call('PUT', '/api/v1/sources/mosaic/children/FED-1', aChildRecordInput(mosaicCode, { givenNames: 'Wilhelmina', familyName: 'Fedworth', dateOfBirth: '2012-08-30' }));
  assert.equal(fed.statusCode, 201, fed.body);
  fedChildId = fed.json<{ childId: string }>().childId;
  fedChildCouncil = mosaicCode;
});
after(() => t.close());

describe('every route that touches a child leaves exactly one audit entry', () => {
  for (const route of routes) {
    test(route.name, async () => {
      const { response, entries } = await audited(() => route.request());
      assert.equal(response.statusCode, route.expect.status, response.body.slice(0, 300));
      assert.equal(entries.length, 1, `exactly one entry, got ${JSON.stringify(entries.map((e) => e.action))}`);
      const [entry] = entries;
      assert.equal(entry!.action, route.expect.action);
      assert.equal(entry!.outcome, 'allowed');
      assert.equal(entry!.request_id, response.headers['x-request-id'], 'the entry carries the request id the response gave');
      if (route.expect.actor === 'user') {
        assert.equal(entry!.actor_user_id, worker.id);
        assert.equal(entry!.actor_api_client, null);
      } else {
        assert.equal(entry!.actor_api_client, police.clientId);
        assert.equal(entry!.actor_user_id, null);
      }
      assert.equal(entry!.child_id, route.expect.child ? childId : null);
    });
  }

  test('PUT /api/v1/sources/{system}/children/{id}: a create, then an update, one entry each', async () => {
    const created = await audited(upsertNewChild);
    assert.equal(created.response.statusCode, 201, created.response.body);
    const newChild = created.response.json<{ childId: string }>().childId;
    assert.deepEqual(created.entries.map((e) => [e.action, e.child_id, e.actor_api_client, e.request_id]), [['create', newChild, police.clientId, created.response.headers['x-request-id']]]);

    const updated = await audited(() => police.call('PUT', `/api/v1/sources/niche-rms/children/AC-${String(upserts)}`, aChildRecordInput(councilCode, { ...aDistinctIdentity(upserts), givenNames: 'Barnaby Jude' })));
    assert.equal(updated.response.statusCode, 200, updated.response.body);
    assert.deepEqual(updated.entries.map((e) => [e.action, e.child_id, e.actor_api_client, e.request_id]), [['update', newChild, police.clientId, updated.response.headers['x-request-id']]]);
  });

  for (const route of writeRoutes) {
    test(route.name, async () => {
      writes += 1;
      await route.prepare?.(writes);
      const { response, entries } = await audited(() => route.request(writes));
      assert.equal(response.statusCode, route.status, response.body.slice(0, 300));
      const own = entries.filter((e) => e.request_id === response.headers['x-request-id']);
      assert.deepEqual(own.map((e) => [e.action, e.child_id, e.actor_api_client]), [['update', fedChildId, mosaic.clientId]], 'exactly one entry for the request');
    });
  }
});

describe('a failed audit write fails the request (no audit, no data)', () => {
  /** Route name → the number its set-up used, prepared while the audit still worked. */
  const prepared = new Map<string, number>();
  before(async () => {
    for (const route of writeRoutes) {
      if (!route.prepare) continue;
      writes += 1;
      await route.prepare(writes);
      prepared.set(route.name, writes);
    }
    // Only this test file's own database: every insert into the audit log now fails.
    await refuseAuditWrites(t.database.db);
  });
  after(() => allowAuditWrites(t.database.db));

  for (const route of routes) {
    test(route.name, async () => {
      const { response, entries } = await audited(() => route.request());
      assert.ok(response.statusCode >= 500, `a ${String(response.statusCode)}, not a server error`);
      assert.doesNotMatch(response.body, new RegExp(CHILD.familyName), 'no child data in the answer');
      assert.doesNotMatch(response.body, /audit store unavailable/, 'no internals in the answer');
      if (route.expect.actor === 'api') assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      assert.equal(entries.length, 0);
    });
  }

  test('PUT /api/v1/sources/{system}/children/{id}: neither a new child nor a change is written', async () => {
    const countChildren = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM children`.execute(t.database.db)).rows[0]!.n;
    const rowOf = async (id: string) => (await sql<{ row: unknown }>`SELECT to_jsonb(c) AS row FROM children c WHERE id = ${id}`.execute(t.database.db)).rows[0]?.row;
    const childrenBefore = await countChildren();
    const created = await audited(upsertNewChild);
    assert.ok(created.response.statusCode >= 500, `a ${String(created.response.statusCode)}, not a server error`);
    assert.match(String(created.response.headers['content-type']), /application\/problem\+json/);
    assert.equal(created.entries.length, 0);
    assert.equal(await countChildren(), childrenBefore, 'no child created');

    // An update of an existing child (the one the first describe block created) is refused too.
    const existing = await t.database.db.selectFrom('audit_entries').select('child_id').where('action', '=', 'create').where('actor_api_client', '=', police.clientId).executeTakeFirstOrThrow();
    const before = await rowOf(existing.child_id!);
    const updated = await audited(() => police.call('PUT', '/api/v1/sources/niche-rms/children/AC-1', aChildRecordInput(councilCode, { ...aDistinctIdentity(1), givenNames: 'Barnaby Changed' })));
    assert.ok(updated.response.statusCode >= 500, `a ${String(updated.response.statusCode)}, not a server error`);
    assert.equal(updated.entries.length, 0);
    assert.deepEqual(await rowOf(existing.child_id!), before, 'the child is unchanged');
  });

  for (const route of writeRoutes) {
    test(route.name, async () => {
      const rows = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql.table(route.table)}`.execute(t.database.db)).rows[0]!.n;
      const involvementsEnded = async () => (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM involvements WHERE ended_on IS NOT NULL`.execute(t.database.db)).rows[0]!.n;
      const rowsBefore = await rows();
      const endedBefore = await involvementsEnded();
      const n = prepared.get(route.name) ?? (writes += 1);
      const { response, entries } = await audited(() => route.request(n));
      assert.ok(response.statusCode >= 500, `a ${String(response.statusCode)}, not a server error`);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      assert.equal(entries.length, 0);
      assert.equal(await rows(), rowsBefore, `nothing written to ${route.table}`);
      assert.equal(await involvementsEnded(), endedBefore, 'no involvement ended');
    });
  }
});
