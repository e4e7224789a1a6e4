import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation } from '../../test/factories/accounts.js';
import { anAgencySystem, type AgencySystem } from '../../test/factories/api-clients.js';
import { aChildRecordInput, aDistinctIdentity, councilCodeOf } from '../../test/factories/children.js';

let t: TestApp;
let leeds: { id: string; code: string };
let bradford: { id: string; code: string };
let school: { id: string; code: string };
let mosaic: AgencySystem;

async function organisation(kind: 'council' | 'school') {
  const id = await anOrganisation(t, kind);
  const [row] = await t.services.organisations.list({ kind, limit: 500, offset: 0 }).then((all) => all.filter((o) => o.id === id));
  return { id, code: kind === 'council' ? await councilCodeOf(t, id) : row!.code };
}

before(async () => {
  t = await buildTestApp();
  leeds = await organisation('council');
  bradford = await organisation('council');
  school = await organisation('school');
  mosaic = await anAgencySystem(t, 'council', 'Leeds Mosaic');
});
after(() => t.close());

type Problem = { status: number; code: string; errors?: Record<string, string> };
type Signpost = {
  signpost: {
    current: { id: string; role: string; practitionerName: string | null; agency: { name: string }; service: string; contactRoute: string | null; isLeadProfessional: boolean }[];
    past: { id: string; endReason: string | null; until: string | null }[];
    flags: { id: string; kind: string; active: boolean; endedOn: string | null; council: { councilId: string } }[];
    area: { current: { councilId: string }; history: { council: { councilId: string }; from: string; to: string | null; reason: string | null; current: boolean }[] };
  };
};

let sequence = 0;
/** A child sent by the Mosaic feed; returns Signpost's id and the feed's own id. */
async function aFedChild(): Promise<{ childId: string; sourceId: string }> {
  sequence += 1;
  const sourceId = `CH-${String(sequence)}`;
  const response = await mosaic.call('PUT', `/api/v1/sources/mosaic/children/${sourceId}`, aChildRecordInput(leeds.code, aDistinctIdentity(sequence)));
  assert.equal(response.statusCode, 201, response.body);
  return { childId: response.json<{ childId: string }>().childId, sourceId };
}

const signpostOf = async (childId: string) => {
  const response = await mosaic.call('GET', `/api/v1/children/${childId}/signpost?reason=${encodeURIComponent('allocation check')}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Signpost>().signpost;
};

const updates = (childId: string) =>
  t.database.db.selectFrom('audit_entries').select(['action', 'basis', 'reason', 'actor_api_client', 'request_id']).where('child_id', '=', childId).where('action', '=', 'update').orderBy('id').execute();

const socialWork = (child: { childSourceId?: string; childId?: string }, overrides: Record<string, unknown> = {}) => ({
  ...child,
  organisationCode: leeds.code,
  practitioner: { name: 'Aisha Khan', phone: '0113 496 0210', email: 'aisha.khan@leeds.gov.test' },
  service: 'Children\'s social care – Assessment team',
  role: 'allocated_social_worker',
  isLeadProfessional: true,
  startedOn: '2026-09-01',
  ...overrides,
});

describe('involvements from a source system', () => {
  test('an involvement PUT twice is one involvement, audited once, and shows in the signpost with its practitioner', async () => {
    const { childId, sourceId } = await aFedChild();
    const url = '/api/v1/sources/mosaic/involvements/INV-1';
    const first = await mosaic.call('PUT', url, socialWork({ childSourceId: sourceId }));
    assert.equal(first.statusCode, 201, first.body);
    const created = first.json<{ involvementId: string; childId: string; created: boolean }>();
    assert.equal(created.childId, childId);
    assert.equal(created.created, true);

    const again = await mosaic.call('PUT', url, socialWork({ childSourceId: sourceId }));
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { involvementId: created.involvementId, childId, created: false });

    const rows = await t.database.db.selectFrom('involvements').select('id').where('source_system', '=', 'mosaic').where('source_id', '=', 'INV-1').execute();
    assert.equal(rows.length, 1);
    const practitioners = await t.database.db.selectFrom('practitioners').select('id').where('organisation_id', '=', leeds.id).where('name', '=', 'Aisha Khan').execute();
    assert.equal(practitioners.length, 1, 'the practitioner joins the directory once');

    const audit = await updates(childId);
    assert.deepEqual(audit.map((a) => [a.basis, a.reason, a.actor_api_client]), [['feed from mosaic', 'involvement recorded: allocated_social_worker', mosaic.clientId]]);
    assert.equal(audit[0]!.request_id, first.headers['x-request-id']);

    const signpost = await signpostOf(childId);
    assert.equal(signpost.current.length, 1);
    const [shown] = signpost.current;
    assert.equal(shown!.id, created.involvementId);
    assert.equal(shown!.practitionerName, 'Aisha Khan');
    assert.equal(shown!.role, 'allocated_social_worker');
    assert.equal(shown!.contactRoute, '0113 496 0210');
    assert.equal(shown!.isLeadProfessional, true);
  });

  test('a child can be named by Signpost\'s id instead, and a team without a named practitioner is fine', async () => {
    const { childId } = await aFedChild();
    const response = await mosaic.call('PUT', '/api/v1/sources/mosaic/involvements/INV-2', {
      childId, organisationCode: school.code, service: 'Pastoral team', role: 'designated_safeguarding_lead', startedOn: '2026-09-05', contactRoute: '0113 496 0401',
    });
    assert.equal(response.statusCode, 201, response.body);
    const signpost = await signpostOf(childId);
    assert.deepEqual(signpost.current.map((c) => [c.practitionerName, c.service]), [[null, 'Pastoral team']]);
  });

  test('bad references and bad fields are a 400 naming each field, and nothing is written', async () => {
    const { childId, sourceId } = await aFedChild();
    const count = async () => ({
      involvements: (await t.database.db.selectFrom('involvements').select('id').execute()).length,
      practitioners: (await t.database.db.selectFrom('practitioners').select('id').execute()).length,
      audit: (await t.database.db.selectFrom('audit_entries').select('id').execute()).length,
    });
    const before = await count();
    const url = '/api/v1/sources/mosaic/involvements/INV-BAD';
    const cases: [Record<string, unknown>, string[]][] = [
      [socialWork({ childSourceId: 'NOT-SENT' }), ['childSourceId']],
      [socialWork({ childId: randomUUID() }), ['childId']],
      [socialWork({}), ['childId']],
      [socialWork({ childId, childSourceId: sourceId }), ['childId']],
      [socialWork({ childId }, { organisationCode: 'NO-SUCH-ORG' }), ['organisationCode']],
      [socialWork({ childSourceId: sourceId }, { practitioner: { name: 'Newly Named', email: 'new@leeds.gov.test' }, role: 'wizard', startedOn: '2026-02-30' }), ['role', 'startedOn']],
      [socialWork({ childSourceId: sourceId }, { practitioner: { name: 'Accepted Person' }, endReason: 'x' }), []],
    ];
    for (const [body, fields] of cases) {
      const response = await mosaic.call('PUT', url, body);
      if (fields.length === 0) {
        // An unknown property is dropped by the schema rather than refused (Fastify's default).
        assert.equal(response.statusCode, 201, response.body);
        continue;
      }
      assert.equal(response.statusCode, 400, `${JSON.stringify(body)} → ${response.body}`);
      assert.deepEqual(Object.keys(response.json<Problem>().errors ?? {}).sort(), fields.sort(), response.body);
    }
    const after = await count();
    assert.equal(after.involvements, before.involvements + 1, 'only the accepted message was recorded');
    assert.equal(after.practitioners, before.practitioners + 1, 'only the accepted message added its practitioner');
    assert.equal(after.audit, before.audit + 1, 'only the accepted message was audited');
  });

  test('a second open lead professional is a 409', async () => {
    const { sourceId } = await aFedChild();
    assert.equal((await mosaic.call('PUT', '/api/v1/sources/mosaic/involvements/INV-L1', socialWork({ childSourceId: sourceId }))).statusCode, 201);
    const second = await mosaic.call('PUT', '/api/v1/sources/mosaic/involvements/INV-L2', socialWork({ childSourceId: sourceId }, { practitioner: { name: 'Tom Briggs' } }));
    assert.equal(second.statusCode, 409);
    assert.match(String(second.headers['content-type']), /^application\/problem\+json/);
  });

  test('ending an involvement moves it to the past with its DfE reason; the same end again changes nothing', async () => {
    const { childId, sourceId } = await aFedChild();
    await mosaic.call('PUT', '/api/v1/sources/mosaic/involvements/INV-3', socialWork({ childSourceId: sourceId }));
    const end = (body: unknown) => mosaic.call('POST', '/api/v1/sources/mosaic/involvements/INV-3/end', body);
    const badReason = await end({ endedOn: '2026-11-01', endReason: 'RETIRED' });
    assert.equal(badReason.statusCode, 400);
    assert.deepEqual(Object.keys(badReason.json<Problem>().errors ?? {}), ['endReason']);

    const ended = await end({ endedOn: '2026-11-01', endReason: 'LEFTRL' });
    assert.equal(ended.statusCode, 200, ended.body);
    assert.equal(ended.json<{ changed: boolean }>().changed, true);
    const again = await end({ endedOn: '2026-11-01', endReason: 'LEFTRL' });
    assert.equal(again.json<{ changed: boolean }>().changed, false);
    assert.equal((await end({ endedOn: '2026-11-02', endReason: 'LEFTRL' })).statusCode, 409);

    const signpost = await signpostOf(childId);
    assert.deepEqual(signpost.current, []);
    assert.deepEqual(signpost.past.map((p) => [p.endReason, p.until]), [['LEFTRL', '2026-11-01']]);
    assert.deepEqual((await updates(childId)).map((a) => a.reason), ['involvement recorded: allocated_social_worker', 'involvement ended: LEFTRL']);

    assert.equal((await mosaic.call('POST', '/api/v1/sources/mosaic/involvements/NEVER-SENT/end', { endedOn: '2026-11-01', endReason: 'LEFTRL' })).statusCode, 404);
  });

  test('the source key belongs to one system: another system\'s same id is a different involvement', async () => {
    const { childId } = await aFedChild();
    const a = await mosaic.call('PUT', '/api/v1/sources/mosaic/involvements/SHARED-1', socialWork({ childId }, { isLeadProfessional: false }));
    const b = await mosaic.call('PUT', '/api/v1/sources/liquidlogic/involvements/SHARED-1', socialWork({ childId }, { isLeadProfessional: false, practitioner: { name: 'Tom Briggs' } }));
    assert.equal(a.statusCode, 201);
    assert.equal(b.statusCode, 201);
    assert.notEqual(a.json<{ involvementId: string }>().involvementId, b.json<{ involvementId: string }>().involvementId);
  });
});

describe('flags from a source system', () => {
  test('a flag PUT twice is one flag; it shows with its council, and ends once', async () => {
    const { childId, sourceId } = await aFedChild();
    const body = { childSourceId: sourceId, kind: 'child_protection_plan', councilCode: leeds.code, startedOn: '2026-10-01' };
    const first = await mosaic.call('PUT', '/api/v1/sources/mosaic/flags/CP-1', body);
    assert.equal(first.statusCode, 201, first.body);
    const again = await mosaic.call('PUT', '/api/v1/sources/mosaic/flags/CP-1', body);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { ...first.json<object>(), created: false });

    let signpost = await signpostOf(childId);
    assert.deepEqual(signpost.flags.map((f) => [f.kind, f.active, f.council.councilId]), [['child_protection_plan', true, leeds.id]]);

    const ended = await mosaic.call('POST', '/api/v1/sources/mosaic/flags/CP-1/end', { endedOn: '2026-11-20' });
    assert.equal(ended.statusCode, 200, ended.body);
    assert.equal(ended.json<{ changed: boolean }>().changed, true);
    assert.equal((await mosaic.call('POST', '/api/v1/sources/mosaic/flags/CP-1/end', { endedOn: '2026-11-20' })).json<{ changed: boolean }>().changed, false);
    signpost = await signpostOf(childId);
    assert.deepEqual(signpost.flags.map((f) => [f.active, f.endedOn]), [[false, '2026-11-20']]);
    assert.deepEqual((await updates(childId)).map((a) => a.reason), ['flag set: child_protection_plan', 'flag ended']);
  });

  test('a flag needs a council and a known kind, named in the 400', async () => {
    const { sourceId } = await aFedChild();
    const notCouncil = await mosaic.call('PUT', '/api/v1/sources/mosaic/flags/CP-2', { childSourceId: sourceId, kind: 'looked_after', councilCode: school.code, startedOn: '2026-10-01' });
    assert.equal(notCouncil.statusCode, 400);
    assert.deepEqual(Object.keys(notCouncil.json<Problem>().errors ?? {}), ['councilCode']);
    const badKind = await mosaic.call('PUT', '/api/v1/sources/mosaic/flags/CP-2', { childSourceId: sourceId, kind: 'on_a_list', councilCode: leeds.code, startedOn: '2026-10-01' });
    assert.deepEqual(Object.keys(badKind.json<Problem>().errors ?? {}), ['kind']);
    assert.equal((await mosaic.call('POST', '/api/v1/sources/mosaic/flags/NEVER-SENT/end', { endedOn: '2026-11-20' })).statusCode, 404);
  });
});

describe('moves between areas', () => {
  test('a move shows the council the child came from in the area history; the same move again changes nothing', async () => {
    const { childId } = await aFedChild();
    const url = `/api/v1/children/${childId}/moves`;
    const moved = await mosaic.call('POST', url, { councilCode: bradford.code, movedOn: '2026-10-15', reason: 'family moved' });
    assert.equal(moved.statusCode, 201, moved.body);
    const again = await mosaic.call('POST', url, { councilCode: bradford.code, movedOn: '2026-10-15', reason: 'family moved' });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json<{ created: boolean }>().created, false);

    const { area } = await signpostOf(childId);
    assert.equal(area.current.councilId, bradford.id);
    assert.deepEqual(area.history.map((h) => [h.council.councilId, h.from, h.to, h.current]), [
      [bradford.id, '2026-10-15', null, true],
      [leeds.id, '2026-09-01', '2026-10-15', false],
    ]);
    assert.deepEqual((await updates(childId)).map((a) => [a.reason, a.basis]), [['move recorded', `feed from ${mosaic.clientId}`]]);

    const sameCouncilLater = await mosaic.call('POST', url, { councilCode: bradford.code, movedOn: '2026-11-01' });
    assert.equal(sameCouncilLater.statusCode, 400);
    assert.deepEqual(Object.keys(sameCouncilLater.json<Problem>().errors ?? {}), ['councilCode']);
    assert.match(sameCouncilLater.json<Problem>().errors!['councilCode']!, /councilCode/);
  });

  test('a move for an unknown or malformed child is the same 404; a school is not an area', async () => {
    const unknown = await mosaic.call('POST', `/api/v1/children/${randomUUID()}/moves`, { councilCode: bradford.code, movedOn: '2026-10-15' });
    const malformed = await mosaic.call('POST', '/api/v1/children/nope/moves', { councilCode: bradford.code, movedOn: '2026-10-15' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(malformed.statusCode, 404);
    assert.equal(unknown.json<Problem & { detail: string }>().detail, malformed.json<Problem & { detail: string }>().detail);
    const { childId } = await aFedChild();
    const school_ = await mosaic.call('POST', `/api/v1/children/${childId}/moves`, { councilCode: school.code, movedOn: '2026-10-15' });
    assert.deepEqual(Object.keys(school_.json<Problem>().errors ?? {}), ['councilCode']);
  });
});

describe('no audit, no data', () => {
  test('a write whose audit entry cannot be written is not kept', async () => {
    const { childId, sourceId } = await aFedChild();
    // Make every audit insert fail, for this test's database only.
    await sql`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$`.execute(t.database.db);
    await sql`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION refuse_audit()`.execute(t.database.db);
    try {
      const involvement = await mosaic.call('PUT', '/api/v1/sources/mosaic/involvements/INV-NOAUDIT', socialWork({ childSourceId: sourceId }, { isLeadProfessional: false }));
      const flag = await mosaic.call('PUT', '/api/v1/sources/mosaic/flags/FL-NOAUDIT', { childId, kind: 'child_in_need', councilCode: leeds.code, startedOn: '2026-10-01' });
      const move = await mosaic.call('POST', `/api/v1/children/${childId}/moves`, { councilCode: bradford.code, movedOn: '2026-10-15' });
      for (const response of [involvement, flag, move]) {
        assert.equal(response.statusCode, 500, response.body);
        assert.doesNotMatch(response.body, /audit unavailable|\.ts:\d+/);
      }
    } finally {
      await sql`DROP TRIGGER refuse_audit ON audit_entries`.execute(t.database.db);
      await sql`DROP FUNCTION refuse_audit()`.execute(t.database.db);
    }
    assert.equal((await t.database.db.selectFrom('involvements').select('id').where('child_id', '=', childId).execute()).length, 0);
    assert.equal((await t.database.db.selectFrom('child_flags').select('id').where('child_id', '=', childId).execute()).length, 0);
    assert.equal((await t.database.db.selectFrom('area_history').select('id').where('child_id', '=', childId).execute()).length, 0);
  });
});

describe('generated requests', () => {
  test('the agency routes answer junk with a clear 4xx, never a 5xx or a stack trace', async () => {
    const { childId } = await aFedChild();
    const routes: [string, string][] = [
      ['PUT', '/api/v1/sources/{s}/children/{id}'],
      ['POST', '/api/v1/children/search'],
      ['GET', '/api/v1/children/{child}/signpost'],
      ['PUT', '/api/v1/sources/{s}/involvements/{id}'],
      ['POST', '/api/v1/sources/{s}/involvements/{id}/end'],
      ['PUT', '/api/v1/sources/{s}/flags/{id}'],
      ['POST', '/api/v1/sources/{s}/flags/{id}/end'],
      ['POST', '/api/v1/children/{child}/moves'],
    ];
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('2026-02-30', '2026-10-01', childId, leeds.code, 'LEFTRL', 'child_in_need', 'gp', '9434765919'), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
    const field = fc.constantFrom('childId', 'childSourceId', 'organisationCode', 'councilCode', 'service', 'role', 'startedOn', 'endedOn', 'endReason', 'kind', 'movedOn', 'reason', 'familyName', 'dateOfBirth', 'nhsNumber', 'practitioner', 'sex', 'address', 'parentsCarers', '__proto__');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.dictionary(field, value, { maxKeys: 8 }),
        fc.constantFrom('mosaic', 'x y', 'a'.repeat(70), '%00', '..'),
        fc.constantFrom('1', 'CH-1', ' ', '%2F'),
        fc.constantFrom(childId, 'x', randomUUID()),
        async ([method, pattern], body, system, id, child) => {
          const url = pattern.replace('{s}', encodeURIComponent(system)).replace('{id}', encodeURIComponent(id)).replace('{child}', child) + (method === 'GET' ? `?reason=${encodeURIComponent(String(body['reason'] ?? ''))}` : '');
          const response = await mosaic.call(method as 'GET', url, method === 'GET' ? undefined : body);
          assert.ok(response.statusCode < 500, `${method} ${url} ${JSON.stringify(body)} → ${String(response.statusCode)} ${response.body.slice(0, 300)}`);
          assert.doesNotMatch(response.body, /\bat [^\n]+\.(ts|js):\d+:\d+/);
        },
      ),
      { numRuns: 150, seed: 20261130 },
    );
  });
});
