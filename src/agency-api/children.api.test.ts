import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation } from '../../test/factories/accounts.js';
import { anAgencySystem, type AgencySystem } from '../../test/factories/api-clients.js';
import { aChildRecordInput, aTestNhsNumber, aTestUpn, councilCodeOf } from '../../test/factories/children.js';
import type { Viewer } from '../access/viewer.js';

let t: TestApp;
let councilId: string;
let councilCode: string;
let socialWorker: Viewer;
let police: AgencySystem;

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const worker = await anAccount(t, 'vetted', { organisationId: councilId });
  socialWorker = { kind: 'user', userId: worker.id, organisationId: councilId, role: 'social_worker' };
  police = await anAgencySystem(t, 'police', 'Police case system');
});
after(() => t.close());

const childUrl = (system: string, sourceId: string) => `/api/v1/sources/${encodeURIComponent(system)}/children/${encodeURIComponent(sourceId)}`;
const signpostUrl = (childId: string, reason = 'strategy discussion') => `/api/v1/children/${encodeURIComponent(childId)}/signpost?reason=${encodeURIComponent(reason)}`;

async function auditRows(where: { childId?: string; action?: string; client?: string } = {}) {
  let query = t.database.db.selectFrom('audit_entries').select(['action', 'child_id', 'basis', 'reason', 'actor_api_client', 'actor_role', 'outcome', 'request_id']).orderBy('id');
  if (where.childId) query = query.where('child_id', '=', where.childId);
  if (where.action) query = query.where('action', '=', where.action);
  if (where.client) query = query.where('actor_api_client', '=', where.client);
  return query.execute();
}

type Problem = { status: number; code: string; title: string; instance: string; detail: string; errors?: Record<string, string> };

describe('an agency system sends a child record', () => {
  test('a client may send only as the source systems it was registered for (403 otherwise, nothing written)', async () => {
    const school = await anAgencySystem(t, 'school', 'School MIS', ['school-mis']);
    const record = aChildRecordInput(councilCode, { familyName: 'Pemberton', givenNames: 'Kit', dateOfBirth: '2014-10-10' });
    const before = await t.services.children.count();
    const refused = await school.call('PUT', childUrl('niche-rms', 'P-999'), record);
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json<Problem>().detail, /not registered to send records as niche-rms/);
    const involvement = await school.call('PUT', '/api/v1/sources/niche-rms/involvements/I-999', { childSourceId: 'P-100', organisationCode: councilCode, role: 'other', service: 'x', startedOn: '2026-10-01' });
    assert.equal(involvement.statusCode, 403);
    assert.equal(await t.services.children.count(), before);
    assert.equal((await school.call('PUT', childUrl('school-mis', 'S-1'), record)).statusCode, 201);
  });

  test('the first PUT creates the child (201); the same PUT again is a 200 that changes nothing', async () => {
    const record = aChildRecordInput(councilCode, { familyName: 'Merriweather', givenNames: 'Ada', sex: 'female', dateOfBirth: '2015-03-09', nhsNumber: aTestNhsNumber(), upn: aTestUpn() });
    const before = await t.services.children.count();
    const first = await police.call('PUT', childUrl('niche-rms', 'P-100'), record);
    assert.equal(first.statusCode, 201, first.body);
    const created = first.json<{ childId: string; created: boolean; changed: boolean }>();
    assert.deepEqual(Object.keys(created).sort(), ['changed', 'childId', 'created']);
    assert.equal(created.created, true);
    assert.equal(created.changed, true);
    assert.equal(await t.services.children.count(), before + 1);

    const again = await police.call('PUT', childUrl('niche-rms', 'P-100'), record);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { childId: created.childId, created: false, changed: false });
    assert.equal(await t.services.children.count(), before + 1);

    const entries = await auditRows({ childId: created.childId });
    assert.deepEqual(entries.map((e) => [e.action, e.basis, e.actor_api_client]), [['create', 'feed from niche-rms', police.clientId]]);
    assert.equal(entries[0]!.request_id, first.headers['x-request-id']);
  });

  test('a changed record updates the one child (200, changed: true)', async () => {
    const record = aChildRecordInput(councilCode, { familyName: 'Lightfoot', givenNames: 'Reuben', dateOfBirth: '2012-08-30' });
    const { childId } = (await police.call('PUT', childUrl('niche-rms', 'P-101'), record)).json<{ childId: string }>();
    const moved = await police.call('PUT', childUrl('niche-rms', 'P-101'), { ...record, address: { lines: ['9 Mill Lane'], town: 'Wakefield', postcode: 'WF1 2AB' } });
    assert.equal(moved.statusCode, 200);
    assert.deepEqual(moved.json(), { childId, created: false, changed: true });
  });

  test('a bad NHS number, UPN and impossible date are each named in one 400, and nothing is written', async () => {
    const before = await t.services.children.count();
    const response = await police.call('PUT', childUrl('niche-rms', 'P-102'), aChildRecordInput(councilCode, { nhsNumber: '9434765918', upn: 'C801200005001', dateOfBirth: '2015-02-30' }));
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const problem = response.json<Problem>();
    assert.equal(problem.code, 'validation-failed');
    assert.deepEqual(Object.keys(problem.errors ?? {}).sort(), ['dateOfBirth', 'nhsNumber', 'upn']);
    assert.equal(await t.services.children.count(), before);
  });

  test('an unknown council code is a 400 naming responsibleCouncilCode, and nothing is written', async () => {
    const before = await t.services.children.count();
    const response = await police.call('PUT', childUrl('niche-rms', 'P-103'), aChildRecordInput('NO-SUCH-COUNCIL'));
    assert.equal(response.statusCode, 400);
    assert.deepEqual(Object.keys(response.json<Problem>().errors ?? {}), ['responsibleCouncilCode']);
    assert.equal(await t.services.children.count(), before);
  });

  test('wrong types, absurd sizes and a bad system name are refused by the schema, naming the field', async () => {
    const before = await t.services.children.count();
    const tooLong = await police.call('PUT', childUrl('niche-rms', 'P-104'), aChildRecordInput(councilCode, { familyName: 'x'.repeat(201) }));
    assert.equal(tooLong.statusCode, 400);
    assert.ok('familyName' in (tooLong.json<Problem>().errors ?? {}), tooLong.body);
    const wrongType = await police.call('PUT', childUrl('niche-rms', 'P-104'), { ...aChildRecordInput(councilCode), parentsCarers: 'mum' });
    assert.equal(wrongType.statusCode, 400);
    // Fastify's Ajv wraps a lone value in an array, so the error names the item: parentsCarers.0.
    assert.ok(Object.keys(wrongType.json<Problem>().errors ?? {}).some((f) => f.startsWith('parentsCarers')), wrongType.body);
    const badSystem = await police.call('PUT', childUrl('-bad/system', 'P-104'), aChildRecordInput(councilCode));
    assert.ok(badSystem.statusCode === 400 || badSystem.statusCode === 404, String(badSystem.statusCode));
    const notJson = await police.call('PUT', childUrl('niche-rms', 'P-104'), '{"familyName": ');
    assert.equal(notJson.statusCode, 400);
    assert.equal(await t.services.children.count(), before);
  });
});

describe('searching with a reason', () => {
  test('a search needs a reason: without one it is a 400 naming reason, and nothing is searched or audited', async () => {
    const before = (await auditRows({ action: 'search', client: police.clientId })).length;
    const missing = await police.call('POST', '/api/v1/children/search', { familyName: 'Merriweather', dateOfBirth: '2015-03-09' });
    assert.equal(missing.statusCode, 400);
    assert.ok('reason' in (missing.json<Problem>().errors ?? {}));
    const blank = await police.call('POST', '/api/v1/children/search', { reason: '   ', familyName: 'Merriweather', dateOfBirth: '2015-03-09' });
    assert.equal(blank.statusCode, 400);
    assert.ok('reason' in (blank.json<Problem>().errors ?? {}));
    const noQuery = await police.call('POST', '/api/v1/children/search', { reason: 'missing person report' });
    assert.equal(noQuery.statusCode, 400);
    assert.deepEqual(Object.keys(noQuery.json<Problem>().errors ?? {}).sort(), ['dateOfBirth', 'familyName']);
    assert.equal((await auditRows({ action: 'search', client: police.clientId })).length, before);
  });

  test('a search finds the child, answers only who the child is and who to contact, and is audited with its reason', async () => {
    const nhsNumber = aTestNhsNumber();
    const { childId } = (await police.call('PUT', childUrl('niche-rms', 'P-200'), aChildRecordInput(councilCode, { familyName: 'Quennell', givenNames: 'Thea', sex: 'female', dateOfBirth: '2014-06-21', nhsNumber }))).json<{ childId: string }>();
    const response = await police.call('POST', '/api/v1/children/search', { reason: 'domestic abuse incident', familyName: 'Quenell', givenNames: 'Thea', dateOfBirth: '2014-06-21' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    const { results } = response.json<{ results: Record<string, unknown>[] }>();
    const found = results.find((r) => r['childId'] === childId);
    assert.ok(found, 'the child is found despite the misspelt surname');
    assert.deepEqual(Object.keys(found).sort(), ['because', 'childId', 'council', 'dateOfBirth', 'familyName', 'givenNames', 'likeness', 'sex', 'shielded']);
    assert.equal(found['shielded'], false);
    assert.deepEqual(Object.keys(found['council'] as object).sort(), ['emergencyDutyPhone', 'name', 'officeHoursPhone']);

    const byNhs = await police.call('POST', '/api/v1/children/search', { reason: 'missing person report', nhsNumber });
    assert.equal(byNhs.json<{ results: { childId: string; likeness: string }[] }>().results[0]?.childId, childId);

    const entries = await auditRows({ action: 'search', client: police.clientId });
    assert.deepEqual(entries.slice(-2).map((e) => [e.reason, e.basis, e.actor_role, e.outcome, e.child_id]), [
      ['domestic abuse incident', 'stated reason', 'agency_system', 'allowed', null],
      ['missing person report', 'stated reason', 'agency_system', 'allowed', null],
    ]);
    assert.equal(entries.at(-1)!.request_id, byNhs.headers['x-request-id']);
  });
});

describe('the signpost look-up', () => {
  test('returns the record and signpost with a reason, audited as a view', async () => {
    const nhsNumber = aTestNhsNumber();
    const upn = aTestUpn();
    const record = aChildRecordInput(councilCode, { familyName: 'Oakenshaw', givenNames: 'Milo', dateOfBirth: '2013-01-15', nhsNumber, upn, formerFamilyNames: ['Barraclough'] });
    const { childId } = (await police.call('PUT', childUrl('niche-rms', 'P-300'), record)).json<{ childId: string }>();
    const response = await police.call('GET', signpostUrl(childId, 'section 47 strategy discussion'));
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json<{
      shielded: boolean;
      child: { id: string; recordTrigger: string; responsibleCouncil: { councilId: string; emergencyDutyPhone: string } };
      identity: { familyName: string; formerFamilyNames: string[]; nhsNumber: string; address: { postcode: string }; noKnownAddress: boolean; parentsCarers: { relationship: string }[] };
      identifiers: { kind: string; issuer: string; value: string }[];
      retention: { kind: string };
      signpost: { current: unknown[]; flags: unknown[]; area: { current: { councilId: string }; history: unknown[]; openInAnotherArea: unknown[] }; upcoming: unknown[]; past: unknown[] };
    }>();
    assert.deepEqual(Object.keys(body).sort(), ['child', 'identifiers', 'identity', 'retention', 'shielded', 'signpost']);
    assert.equal(body.shielded, false);
    assert.equal(body.child.id, childId);
    assert.equal(body.child.recordTrigger, 'child_in_need');
    assert.equal(body.child.responsibleCouncil.councilId, councilId);
    assert.equal(body.child.responsibleCouncil.emergencyDutyPhone, '0113 496 0199');
    assert.equal(body.identity.familyName, 'Oakenshaw');
    assert.deepEqual(body.identity.formerFamilyNames, ['Barraclough']);
    assert.equal(body.identity.nhsNumber, nhsNumber);
    assert.equal(body.identity.address.postcode, 'LS1 4AB');
    assert.equal(body.identity.noKnownAddress, false);
    assert.deepEqual(body.identity.parentsCarers.map((p) => p.relationship), ['mother']);
    assert.deepEqual(body.identifiers.map((i) => [i.kind, i.issuer, i.value]).sort(), [['source_system', 'niche-rms', 'P-300'], ['upn', '', upn]]);
    assert.equal(body.retention.kind, 'remove_on');
    assert.equal(body.signpost.area.current.councilId, councilId);
    assert.deepEqual(body.signpost.current, []);

    const views = await auditRows({ childId, action: 'view' });
    assert.deepEqual(views.map((v) => [v.reason, v.actor_api_client, v.outcome]), [['section 47 strategy discussion', police.clientId, 'allowed']]);
  });

  test('a look needs a reason', async () => {
    const { childId } = (await police.call('PUT', childUrl('niche-rms', 'P-301'), aChildRecordInput(councilCode, { familyName: 'Pemberton', givenNames: 'Iris', sex: 'female', dateOfBirth: '2016-10-02' }))).json<{ childId: string }>();
    const missing = await police.call('GET', `/api/v1/children/${childId}/signpost`);
    assert.equal(missing.statusCode, 400);
    assert.ok('reason' in (missing.json<Problem>().errors ?? {}));
    const blank = await police.call('GET', signpostUrl(childId, '  '));
    assert.equal(blank.statusCode, 400);
    assert.deepEqual(await auditRows({ childId, action: 'view' }), []);
  });

  test('a shielded child shows only the summary and the council to ask, and is marked shielded in search', async () => {
    const record = aChildRecordInput(councilCode, { familyName: 'Vasquez-Hollow', givenNames: 'Juno', sex: 'female', dateOfBirth: '2017-12-01', nhsNumber: aTestNhsNumber() });
    const { childId } = (await police.call('PUT', childUrl('niche-rms', 'P-302'), record)).json<{ childId: string }>();
    await t.services.childRecords.shield(socialWorker, childId, { reason: 'risk from an adult seeking the child', decidedBy: 'Head of service', reviewOn: '2027-05-01' }, null);

    const response = await police.call('GET', signpostUrl(childId));
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(body).sort(), ['childId', 'council', 'dateOfBirth', 'familyName', 'givenNames', 'sex', 'shielded']);
    assert.equal(body['shielded'], true);
    assert.equal(body['childId'], childId);
    assert.equal((body['council'] as { councilId: string }).councilId, councilId);
    assert.doesNotMatch(response.body, /LS1 4AB|Canal Street|Sarah|mother|niche-rms/, 'no address, carers or identifiers');

    const search = await police.call('POST', '/api/v1/children/search', { reason: 'missing person report', familyName: 'Vasquez-Hollow', dateOfBirth: '2017-12-01' });
    const found = search.json<{ results: { childId: string; shielded: boolean }[] }>().results.find((r) => r.childId === childId);
    assert.equal(found?.shielded, true);
  });

  test('an unknown child and a malformed id give the same 404', async () => {
    const unknown = await police.call('GET', signpostUrl(randomUUID()));
    const malformed = await police.call('GET', signpostUrl('not-a-child'));
    assert.equal(unknown.statusCode, 404);
    assert.equal(malformed.statusCode, 404);
    const strip = (r: typeof unknown) => {
      const { instance, ...rest } = r.json<Problem>();
      assert.equal(instance, r.headers['x-request-id']);
      return rest;
    };
    assert.deepEqual(strip(unknown), strip(malformed));
    assert.deepEqual(Object.keys(strip(unknown)).sort(), ['code', 'detail', 'status', 'title', 'type']);
    assert.equal(unknown.headers['content-type'], malformed.headers['content-type']);
  });
});

describe('the agency API is for agency systems only', () => {
  // Well-formed requests: Fastify validates the body before the access hook runs, so a malformed
  // one would be a 400 whoever sends it (nothing is read or written either way).
  const childId = randomUUID();
  const routes: [string, string, unknown][] = [
    ['PUT', '/api/v1/sources/niche-rms/children/P-1', aChildRecordInput('E00000000')],
    ['POST', '/api/v1/children/search', { reason: 'missing person', familyName: 'Smith', dateOfBirth: '2015-01-01' }],
    ['GET', `/api/v1/children/${childId}/signpost?reason=x`, undefined],
    ['PUT', '/api/v1/sources/niche-rms/involvements/I-1', { childId, organisationCode: 'X', service: 'CID', role: 'police_contact', startedOn: '2026-01-01' }],
    ['POST', '/api/v1/sources/niche-rms/involvements/I-1/end', { endedOn: '2026-02-01', endReason: 'LEFTRL' }],
    ['PUT', '/api/v1/sources/niche-rms/flags/F-1', { childId, kind: 'child_in_need', councilCode: 'X', startedOn: '2026-01-01' }],
    ['POST', '/api/v1/sources/niche-rms/flags/F-1/end', { endedOn: '2026-02-01' }],
    ['POST', `/api/v1/children/${childId}/moves`, { councilCode: 'X', movedOn: '2026-02-01' }],
  ];

  test('no token, a made-up token or an expired token is a 401 and writes nothing', async () => {
    const before = await t.services.children.count();
    const auditBefore = (await auditRows()).length;
    for (const [method, url, payload] of routes) {
      for (const authorization of [undefined, 'Bearer made-up-token', 'Basic abc']) {
        const response = await t.app.inject({ method: method as 'GET', url, headers: authorization ? { authorization } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
        assert.equal(response.statusCode, 401, `${method} ${url} with ${String(authorization)}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        assert.equal(response.headers['www-authenticate'], 'Bearer realm="signpost"');
      }
    }
    const later = await anAgencySystem(t);
    t.clock.advanceMinutes(16);
    try {
      const expired = await later.call('PUT', childUrl('niche-rms', 'P-1'), aChildRecordInput(councilCode));
      assert.equal(expired.statusCode, 401);
    } finally {
      t.clock.advanceMinutes(-16);
    }
    assert.equal(await t.services.children.count(), before);
    assert.equal((await auditRows()).length, auditBefore);
  });

  test('the OpenAPI document describes every route with schemas, security and problem responses', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, {
      summary?: string; tags?: string[]; security?: unknown[]; requestBody?: unknown; parameters?: { name: string; in: string }[]; responses: Record<string, unknown>;
    }>> }>();
    const expected: [string, string][] = [
      ['/api/v1/sources/{system}/children/{sourceId}', 'put'],
      ['/api/v1/children/search', 'post'],
      ['/api/v1/children/{childId}/signpost', 'get'],
      ['/api/v1/sources/{system}/involvements/{sourceId}', 'put'],
      ['/api/v1/sources/{system}/involvements/{sourceId}/end', 'post'],
      ['/api/v1/sources/{system}/flags/{sourceId}', 'put'],
      ['/api/v1/sources/{system}/flags/{sourceId}/end', 'post'],
      ['/api/v1/children/{childId}/moves', 'post'],
    ];
    for (const [path, method] of expected) {
      const operation = doc.paths[path]?.[method];
      assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(operation.summary, `${path} has a summary`);
      assert.ok(operation.tags?.length, `${path} has tags`);
      assert.deepEqual(operation.security, [{ clientCredentials: [] }], `${path} declares client credentials`);
      assert.ok(method === 'get' ? operation.parameters?.some((p) => p.name === 'reason' && p.in === 'query') : operation.requestBody, `${path} has a request schema`);
      for (const status of ['400', '401']) assert.ok(operation.responses[status], `${path} documents ${status}`);
      assert.ok(operation.responses['200'] ?? operation.responses['201'], `${path} documents its success`);
    }
  });
});
