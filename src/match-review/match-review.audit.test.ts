import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf, MOVED } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import { allowAuditWrites, refuseAuditWrites } from '../../test/audit-refusal.js';
import type { Viewer } from '../access/viewer.js';

/**
 * SECURITY.md §4 "Audit complete" for the match-review pages, which show or change two children
 * at once: one entry for each child, with the reviewer, the action and the request id; and when
 * the entries cannot be written the request fails with no child data in the answer and nothing
 * merged. (audit-completeness.test.ts holds every other child-touching route to one entry.)
 */

let t: TestApp;
let councilCode: string;
let reviewerId: string;
let session: HttpSession;
let worker: Viewer;
let feed: Viewer;
let pairs = 0;

const FAMILY = 'Quillfeather';

/** An existing child and a feed's record of it after a move: a pair in the review queue. */
async function aQueuedPair(): Promise<{ existing: string; incoming: string; itemId: number }> {
  pairs += 1;
  const person = { givenNames: ['Oswin', 'Marigold', 'Leofric', 'Isolde'][pairs % 4]!, familyName: FAMILY, dateOfBirth: `2012-0${String(pairs)}-1${String(pairs)}` };
  const existing = await aChild(t, worker, aChildRecordInput(councilCode, person));
  const incoming = await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id: `MR-${String(pairs)}` }, aChildRecordInput(councilCode, { ...person, ...MOVED }), null);
  const { rows } = await sql<{ id: string }>`SELECT id FROM match_review_items WHERE incoming_child_id = ${incoming.childId} AND existing_child_id = ${existing}`.execute(t.database.db);
  assert.ok(rows[0], 'the pair was queued');
  return { existing, incoming: incoming.childId, itemId: Number(rows[0].id) };
}

async function lastAuditId(): Promise<number> {
  return (await sql<{ id: number }>`SELECT coalesce(max(id), 0)::integer AS id FROM audit_entries`.execute(t.database.db)).rows[0]!.id;
}

/** Runs `request` and returns its response and the audit entries it left. */
async function audited(request: () => Promise<LightMyRequestResponse>) {
  const before = await lastAuditId();
  const response = await request();
  const entries = await t.database.db.selectFrom('audit_entries').select(['action', 'actor_user_id', 'child_id', 'request_id', 'outcome'])
    .where('id', '>', before).orderBy('id').execute();
  return { response, entries };
}

const mergedInto = async (childId: string) => (await sql<{ merged_into: string | null }>`SELECT merged_into FROM children WHERE id = ${childId}`.execute(t.database.db)).rows[0]!.merged_into;

before(async () => {
  t = await buildTestApp({ appRole: true });
  const councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const w = await anAccount(t, 'vetted', { organisationId: councilId });
  worker = { kind: 'user', userId: w.id, organisationId: councilId, role: 'social_worker' };
  const reviewer = await anAccount(t, 'vetted', { organisationId: councilId });
  await t.database.db.updateTable('users').set({ role: 'mash_officer' }).where('id', '=', reviewer.id).execute();
  reviewerId = reviewer.id;
  session = await signInAs(t.app, t.clock, reviewer.email, TEST_PASSWORD, TEST_TOTP_SECRET);
  feed = { kind: 'api-client', clientId: 'niche', organisationId: await anOrganisation(t, 'police'), sourceSystems: ['niche-rms'] };
});
after(() => t.close());

describe('the match-review pages leave one audit entry for each child they show or change', () => {
  const expectBoth = (entries: { action: string; actor_user_id: string | null; child_id: string | null; request_id: string | null; outcome: string }[], response: LightMyRequestResponse, action: string, pair: { existing: string; incoming: string }) => {
    assert.equal(entries.length, 2, `one entry for each child, got ${JSON.stringify(entries.map((e) => e.action))}`);
    assert.deepEqual(entries.map((e) => e.child_id).sort(), [pair.existing, pair.incoming].sort());
    for (const entry of entries) {
      assert.equal(entry.action, action);
      assert.equal(entry.outcome, 'allowed');
      assert.equal(entry.actor_user_id, reviewerId);
      assert.equal(entry.request_id, response.headers['x-request-id'], 'the entry carries the request id the response gave');
    }
  };

  test('GET /match-review/{id}: both records side by side, a look at each', async () => {
    const pair = await aQueuedPair();
    const { response, entries } = await audited(() => session.get(`/match-review/${String(pair.itemId)}`));
    assert.equal(response.statusCode, 200);
    expectBoth(entries, response, 'view', pair);
  });

  test('POST /match-review/{id} "same child", then POST /match-review/{id}/unmerge: an update of each child, each time', async () => {
    const pair = await aQueuedPair();
    await session.get(`/match-review/${String(pair.itemId)}`);
    const merged = await audited(() => session.post(`/match-review/${String(pair.itemId)}`, { decision: 'same_child', reason: 'Same NHS number on the GP record' }));
    assert.equal(merged.response.statusCode, 303, merged.response.body.slice(0, 300));
    expectBoth(merged.entries, merged.response, 'update', pair);
    assert.equal(await mergedInto(pair.incoming), pair.existing);

    await session.get(`/match-review/${String(pair.itemId)}`);
    const separated = await audited(() => session.post(`/match-review/${String(pair.itemId)}/unmerge`, { unmergeReason: 'Twins: checked with the school' }));
    assert.equal(separated.response.statusCode, 303, separated.response.body.slice(0, 300));
    expectBoth(separated.entries, separated.response, 'update', pair);
    assert.equal(await mergedInto(pair.incoming), null);
  });
});

describe('a failed audit write fails a match-review request (no audit, no data, no merge)', () => {
  let pair: { existing: string; incoming: string; itemId: number };
  before(async () => {
    pair = await aQueuedPair();
    await session.get(`/match-review/${String(pair.itemId)}`);
    await refuseAuditWrites(t.database.db);
  });
  after(() => allowAuditWrites(t.database.db));

  test('GET /match-review/{id}: a server error, neither child in the answer', async () => {
    const { response, entries } = await audited(() => session.get(`/match-review/${String(pair.itemId)}`));
    assert.ok(response.statusCode >= 500, `a ${String(response.statusCode)}, not a server error`);
    assert.doesNotMatch(response.body, new RegExp(FAMILY), 'no child data in the answer');
    assert.doesNotMatch(response.body, /audit store unavailable/, 'no internals in the answer');
    assert.equal(entries.length, 0);
  });

  test('POST /match-review/{id} "same child": a server error, and nothing merged or decided', async () => {
    const { response, entries } = await audited(() => session.post(`/match-review/${String(pair.itemId)}`, { decision: 'same_child', reason: 'Same NHS number on the GP record' }));
    assert.ok(response.statusCode >= 500, `a ${String(response.statusCode)}, not a server error`);
    assert.equal(entries.length, 0);
    assert.equal(await mergedInto(pair.incoming), null, 'not merged');
    const { rows: [item] } = await sql<{ status: string }>`SELECT status FROM match_review_items WHERE id = ${pair.itemId}`.execute(t.database.db);
    assert.equal(item?.status, 'open', 'not decided');
  });
});
