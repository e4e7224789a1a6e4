import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anAccount, anOrganisation, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../test/factories/accounts.js';
import { aChild, aChildRecordInput, councilCodeOf, MOVED } from '../../test/factories/children.js';
import { signInAs, type HttpSession } from '../../test/http-session.js';
import type { Viewer } from '../access/viewer.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';

let t: TestApp;
let councilId: string;
let councilCode: string;
let otherCouncilCode: string;
let worker: Viewer;
let mash: Viewer;
let mashSession: HttpSession;
let practitionerSession: HttpSession;
let otherMash: Viewer;
let feed: Viewer;
let policeId: string;
let sealHolderId: string;
let feeds = 0;

/** An existing child and a feed's record of it after a move: a pair in the review queue. */
async function aQueuedPair(person: { givenNames: string; familyName: string; dateOfBirth: string; sex?: 'male' | 'female' }): Promise<{ existing: string; incoming: string; itemId: number }> {
  const existing = await aChild(t, worker, aChildRecordInput(councilCode, person));
  feeds += 1;
  const incoming = await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id: `R-${String(feeds)}` }, aChildRecordInput(councilCode, { ...person, ...MOVED }), null);
  assert.equal(incoming.created, true);
  const { rows } = await sql<{ id: string }>`SELECT id FROM match_review_items WHERE incoming_child_id = ${incoming.childId} AND existing_child_id = ${existing}`.execute(t.database.db);
  assert.ok(rows[0], 'the pair was queued');
  return { existing, incoming: incoming.childId, itemId: Number(rows[0].id) };
}

/** Everything a merge may touch, as plain rows, to compare before and after. */
async function stateOf(childIds: string[]) {
  const q = async (query: ReturnType<typeof sql<Record<string, unknown>>>) => (await query.execute(t.database.db)).rows;
  return {
    involvements: await q(sql`SELECT id, child_id, is_lead_professional FROM involvements WHERE child_id = ANY(${childIds}::uuid[]) ORDER BY id`),
    flags: await q(sql`SELECT id, child_id, kind, ended_on FROM child_flags WHERE child_id = ANY(${childIds}::uuid[]) ORDER BY id`),
    areas: await q(sql`SELECT id, child_id, to_date FROM area_history WHERE child_id = ANY(${childIds}::uuid[]) ORDER BY id`),
    identifiers: await q(sql`SELECT id, child_id, kind, issuer, lookup, linked FROM child_identifiers WHERE child_id = ANY(${childIds}::uuid[]) ORDER BY id`),
    shields: await q(sql`SELECT child_id, council_id, decided_by FROM child_shields WHERE child_id = ANY(${childIds}::uuid[]) ORDER BY child_id`),
    sealHolders: await q(sql`SELECT child_id, user_id FROM child_seal_holders WHERE child_id = ANY(${childIds}::uuid[]) ORDER BY child_id, user_id`),
    children: await q(sql`SELECT id, shielded, merged_into FROM children WHERE id = ANY(${childIds}::uuid[]) ORDER BY id`),
    blindIndex: await q(sql`SELECT child_id, count(*)::integer AS n FROM child_blind_index WHERE child_id = ANY(${childIds}::uuid[]) GROUP BY child_id ORDER BY child_id`),
  };
}

async function addInvolvement(childId: string, lead: boolean): Promise<void> {
  await sql`INSERT INTO involvements (child_id, organisation_id, service, role, is_lead_professional, started_on) VALUES (${childId}, ${policeId}, 'Safeguarding unit', 'police_contact', ${lead}, '2026-01-01')`.execute(t.database.db);
}

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
  councilCode = await councilCodeOf(t, councilId);
  const otherCouncil = await anOrganisation(t, 'council');
  otherCouncilCode = await councilCodeOf(t, otherCouncil);
  policeId = await anOrganisation(t, 'police');
  const w = await anAccount(t, 'vetted', { organisationId: councilId });
  worker = { kind: 'user', userId: w.id, organisationId: councilId, role: 'social_worker' };
  const m = await anAccount(t, 'vetted', { organisationId: councilId });
  await t.database.db.updateTable('users').set({ role: 'mash_officer' }).where('id', '=', m.id).execute();
  mash = { kind: 'user', userId: m.id, organisationId: councilId, role: 'mash_officer' };
  mashSession = await signInAs(t.app, t.clock, m.email, TEST_PASSWORD, TEST_TOTP_SECRET);
  const p = await anAccount(t, 'vetted', { organisationId: councilId });
  practitionerSession = await signInAs(t.app, t.clock, p.email, TEST_PASSWORD, TEST_TOTP_SECRET);
  const o = await anAccount(t, 'vetted', { organisationId: otherCouncil });
  otherMash = { kind: 'user', userId: o.id, organisationId: otherCouncil, role: 'mash_officer' };
  const s = await anAccount(t, 'vetted', { organisationId: councilId });
  sealHolderId = s.id;
  feed = { kind: 'api-client', clientId: 'niche', organisationId: policeId, sourceSystems: ['niche-rms'] };
});

after(() => t.close());

describe('the review queue', () => {
  test('a MASH officer sees waiting pairs oldest first, with scores and no child data', async () => {
    const first = await aQueuedPair({ givenNames: 'Ottoline', familyName: 'Brackwater', dateOfBirth: '2012-02-02', sex: 'female' });
    t.clock.advanceMinutes(1);
    const second = await aQueuedPair({ givenNames: 'Lysander', familyName: 'Coldharbour', dateOfBirth: '2013-03-03' });
    assert.match((await mashSession.get('/')).body, /href="\/match-review"/);
    assert.doesNotMatch((await practitionerSession.get('/')).body, /href="\/match-review"/);
    const page = await mashSession.get('/match-review');
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.indexOf(`Compare pair ${String(first.itemId)}`) < page.body.indexOf(`Compare pair ${String(second.itemId)}`));
    assert.ok(!page.body.includes('Brackwater'), 'the list shows no names');
  });

  test('the queue can list the pairs most likely one child first', async () => {
    const { rows } = await sql<{ id: string }>`SELECT id FROM match_review_items WHERE status IN ('open', 'not_sure') ORDER BY match_weight DESC, id`.execute(t.database.db);
    assert.ok(rows.length >= 2, 'two pairs are waiting');
    const likely = await mashSession.get('/match-review?order=likely');
    assert.equal(likely.statusCode, 200);
    const at = (page: string, id: string): number => page.indexOf(`Compare pair ${id}<`);
    const [strongest, next] = [rows[0]!.id, rows[1]!.id];
    assert.ok(at(likely.body, strongest) >= 0 && at(likely.body, strongest) < at(likely.body, next), 'the strongest evidence is listed first');
    assert.match(likely.body, /<strong aria-current="page">most likely the same child first<\/strong>/);
    assert.match(likely.body, /<a class="govuk-link" href="\/match-review">oldest first<\/a>/);
    // Anything else in the query string is the default order.
    assert.match((await mashSession.get('/match-review?order=drop%20table')).body, /<strong aria-current="page">oldest first<\/strong>/);
  });

  test('anyone else gets the missing page, and the refusal is audited', async () => {
    const page = await practitionerSession.get('/match-review');
    assert.equal(page.statusCode, 404);
    const refused = await t.database.db.selectFrom('audit_entries').select(['outcome', 'reason']).where('outcome', '=', 'refused').where('reason', '=', 'match review queue').execute();
    assert.ok(refused.length >= 1);
    const { itemId } = await aQueuedPair({ givenNames: 'Araminta', familyName: 'Dewhurst', dateOfBirth: '2014-04-04', sex: 'female' });
    await assert.rejects(t.services.matchReview.compare(otherMash, itemId, null), NotFoundError);
    assert.equal((await practitionerSession.get(`/match-review/${String(itemId)}`)).statusCode, 404);
  });

  test('the comparison shows both records and the weights, and is audited as a look at each child', async () => {
    const { existing, incoming, itemId } = await aQueuedPair({ givenNames: 'Peregrine', familyName: 'Eastwood', dateOfBirth: '2011-05-05' });
    const page = await mashSession.get(`/match-review/${String(itemId)}`);
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /Peregrine/);
    assert.match(page.body, /3 Mill Lane/);
    assert.match(page.body, /Date of birth/);
    assert.match(page.body, /Match probability/);
    const looks = await t.database.db.selectFrom('audit_entries').select(['child_id', 'action', 'reason']).where('reason', '=', `match review: item ${String(itemId)}`).where('outcome', '=', 'allowed').execute();
    assert.deepEqual(looks.map((l) => l.child_id).sort(), [existing, incoming].sort());
  });

  test('a decision needs a reason; "different children" keeps both and leaves the queue', async () => {
    const { itemId } = await aQueuedPair({ givenNames: 'Cressida', familyName: 'Fennimore', dateOfBirth: '2010-06-06', sex: 'female' });
    await mashSession.get(`/match-review/${String(itemId)}`);
    const missing = await mashSession.post(`/match-review/${String(itemId)}`, { decision: 'different_children', reason: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /Enter the reason for your decision/);
    const saved = await mashSession.post(`/match-review/${String(itemId)}`, { decision: 'different_children', reason: 'School confirmed two pupils' });
    assert.equal(saved.statusCode, 303);
    const queue = await mashSession.get('/match-review');
    assert.ok(!queue.body.includes(`Compare pair ${String(itemId)}<`));
    await assert.rejects(t.services.matchReview.decide(mash, itemId, { decision: 'maybe', reason: 'x' }, null), ValidationError);
  });
});

describe('merging and unmerging', () => {
  test('a merge moves involvements, flags, areas and identifiers; the shield follows; unmerge restores exactly', async () => {
    const { existing, incoming, itemId } = await aQueuedPair({ givenNames: 'Barnabas', familyName: 'Grimshaw', dateOfBirth: '2009-07-07' });
    await addInvolvement(existing, true);
    await addInvolvement(incoming, true);
    await addInvolvement(incoming, false);
    await sql`INSERT INTO child_flags (child_id, kind, responsible_council_id, started_on) VALUES (${existing}, 'child_in_need', ${councilId}, '2026-01-01'), (${incoming}, 'child_in_need', ${councilId}, '2026-02-01'), (${incoming}, 'looked_after', ${councilId}, '2026-03-01')`.execute(t.database.db);
    await t.services.childRecords.shield(worker, incoming, { reason: 'Risk from a parent', decidedBy: 'Team manager', reviewOn: '2027-06-01' }, null);
    await t.services.childRecords.addSealHolder(worker, incoming, sealHolderId, null);
    const before = await stateOf([existing, incoming]);
    const involvementsBefore = before.involvements.length;

    const { mergeId } = await t.services.matchReview.decide(mash, itemId, { decision: 'same_child', reason: 'Same child: health visitor confirmed' }, 'req-merge');
    assert.ok(mergeId);
    const merged = await stateOf([existing, incoming]);
    assert.ok(merged.involvements.every((r) => r['child_id'] === existing));
    assert.equal(merged.involvements.length, involvementsBefore);
    assert.equal(merged.involvements.filter((r) => r['is_lead_professional']).length, 1, 'one open lead professional');
    assert.ok(merged.flags.every((r) => r['child_id'] === existing));
    assert.equal(merged.flags.filter((r) => r['kind'] === 'child_in_need' && r['ended_on'] === null).length, 1);
    assert.ok(merged.areas.every((r) => r['child_id'] === existing));
    assert.ok(merged.identifiers.every((r) => r['child_id'] === existing));
    const movedIds = new Set(before.identifiers.filter((r) => r['child_id'] === incoming).map((r) => r['id']));
    assert.ok(movedIds.size > 0 && merged.identifiers.filter((r) => movedIds.has(r['id'])).every((r) => r['linked'] === true), 'the merged record\'s source ids are linked to the survivor');
    assert.deepEqual(merged.shields.map((s) => s['child_id']), [existing, incoming].filter((id) => before.shields.some((s) => s['child_id'] === id) || id === existing).sort());
    assert.ok(merged.sealHolders.some((h) => h['child_id'] === existing && h['user_id'] === sealHolderId), 'seal-holders are the union');
    assert.ok(merged.children.find((c) => c['id'] === existing)?.['shielded']);
    assert.equal(merged.children.find((c) => c['id'] === incoming)?.['merged_into'], existing);
    assert.ok(!merged.blindIndex.some((b) => b['child_id'] === incoming), 'the tombstone is never found or matched');

    // Old ids and source keys resolve to the survivor.
    const look = await t.services.childRecords.lookAt(worker, incoming, 'checking the merged record', null);
    assert.equal(look.kind === 'full' ? look.record.child.id : look.summary.childId, existing);
    const resent = await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id: `R-${String(feeds)}` }, aChildRecordInput(councilCode, { givenNames: 'Barnabas', familyName: 'Grimshaw', dateOfBirth: '2009-07-07', ...MOVED }), null);
    assert.equal(resent.childId, existing);
    // A change from the merged record's system adds to the survivor but does not rewrite it.
    const addressBefore = (await t.services.children.read(existing, t.database.db))?.identity.address;
    await t.services.childRecords.upsertFromSource(feed, { system: 'niche-rms', id: `R-${String(feeds)}` }, aChildRecordInput(councilCode, { givenNames: 'Barney', familyName: 'Grimshaw', dateOfBirth: '2009-07-07', address: { lines: ['3 New Road'], town: 'Leeds', postcode: 'LS9 8AA' } }), null);
    const survivorNow = await t.services.children.read(existing, t.database.db);
    assert.ok(survivorNow);
    assert.equal(survivorNow.identity.givenNames, 'Barnabas');
    assert.deepEqual(survivorNow.identity.address, addressBefore);

    const audited = await t.database.db.selectFrom('audit_entries').select(['child_id', 'action', 'reason']).where('request_id', '=', 'req-merge').execute();
    assert.deepEqual(audited.map((a) => a.child_id).sort(), [existing, incoming].sort());
    assert.ok(audited.every((a) => a.action === 'update' && /records merged/.test(a.reason ?? '')));

    await assert.rejects(t.services.matchReview.unmerge(mash, itemId, { reason: ' ' }, null), ValidationError);
    await t.services.matchReview.unmerge(mash, itemId, { reason: 'Twins after all: GP confirmed' }, 'req-unmerge');
    const after = await stateOf([existing, incoming]);
    // The resent feed record updated the survivor's identity, not any of the rows compared here.
    assert.deepEqual(after, before);
    const status = await sql<{ status: string }>`SELECT status FROM match_review_items WHERE id = ${itemId}`.execute(t.database.db);
    assert.equal(status.rows[0]?.status, 'open', 'the question is open again');
    const unmergeEntries = await t.database.db.selectFrom('audit_entries').select('child_id').where('request_id', '=', 'req-unmerge').execute();
    assert.equal(unmergeEntries.length, 2);
  });

  test('a shield on the surviving record covers the merged child too', async () => {
    const { existing, itemId } = await aQueuedPair({ givenNames: 'Hermione', familyName: 'Holloway', dateOfBirth: '2015-08-08', sex: 'female' });
    await t.services.childRecords.shield(worker, existing, { reason: 'Risk', decidedBy: 'Team manager', reviewOn: '2027-06-01' }, null);
    await t.services.matchReview.decide(mash, itemId, { decision: 'same_child', reason: 'Same child' }, null);
    const school = await anOrganisation(t, 'school');
    const teacher: Viewer = { kind: 'user', userId: (await anAccount(t, 'vetted', { organisationId: school })).id, organisationId: school, role: 'practitioner' };
    const item = await sql<{ incoming_child_id: string }>`SELECT incoming_child_id FROM match_review_items WHERE id = ${itemId}`.execute(t.database.db);
    const look = await t.services.childRecords.lookAt(teacher, item.rows[0]!.incoming_child_id, 'safeguarding concern', null);
    assert.equal(look.kind, 'shielded');
  });
});

describe('a merged record\'s history', () => {
  test('who looked, subject access, the case view and break-glass answer for the surviving child, with the duplicate\'s looks', async () => {
    const { existing, incoming, itemId } = await aQueuedPair({ givenNames: 'Imogen', familyName: 'Parker', dateOfBirth: '2012-02-02', sex: 'female' });
    await t.services.childRecords.lookAt(worker, incoming, 'Looked at the duplicate before the merge', null);
    await t.services.matchReview.decide(mash, itemId, { decision: 'same_child', reason: 'Same child: school confirmed' }, null);

    const viaSurvivor = await t.services.whoLooked.forChild(worker, existing, null);
    assert.ok(viaSurvivor.some((e) => e.reason === 'Looked at the duplicate before the merge'), 'the duplicate\'s looks are in the survivor\'s history');
    const viaOldId = await t.services.whoLooked.forChild(worker, incoming, null);
    assert.ok(viaOldId.some((e) => e.reason === 'Looked at the duplicate before the merge'));
    assert.equal((await t.database.db.selectFrom('audit_entries').select('child_id').where('reason', '=', 'who looked at this record').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).child_id, existing, 'the old id is recorded as the survivor');

    const ig = await anAccount(t, 'vetted', { organisationId: councilId });
    await t.database.db.updateTable('users').set({ role: 'information_governance_officer' }).where('id', '=', ig.id).execute();
    const officer: Viewer = { kind: 'user', userId: ig.id, organisationId: councilId, role: 'information_governance_officer' };
    const report = await t.services.subjectAccess.entries(officer, incoming, null);
    assert.ok(report.some((e) => e.reason === 'Looked at the duplicate before the merge'));

    const view = await t.services.caseView.open(mash, incoming, 'Strategy discussion', null);
    assert.equal(view.child.id, existing);
    await assert.rejects(t.services.caseView.open(otherMash, incoming, 'Strategy discussion', null), NotFoundError);
  });
});

describe('the match-rate dashboard', () => {
  test('counts children with a verified NHS number, open items and their age, and automatic links', async () => {
    await aChild(t, worker, aChildRecordInput(councilCode, { givenNames: 'Ottilie', familyName: 'Marchbank', dateOfBirth: '2012-02-14', nhsNumber: '9434765919' }));
    const page = await mashSession.get('/match-review/match-rate');
    assert.equal(page.statusCode, 200);
    const figures = await t.services.matchReview.matchRate(mash);
    assert.ok(figures.children > 0);
    assert.equal(figures.belowTarget, true, 'test children mostly have no NHS number');
    // The same children counted by their NHS number's blind index, as the figure once was.
    const { rows: [indexed] } = await sql<{ children: number; with_nhs: number }>`
      SELECT count(*)::integer AS children,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM child_blind_index b WHERE b.child_id = c.id AND b.kind = 'nhs_number'))::integer AS with_nhs
      FROM children c JOIN child_keys k ON k.child_id = c.id
      WHERE c.responsible_council_id = ${mash.organisationId}::uuid AND c.merged_into IS NULL`.execute(t.database.db);
    assert.ok(indexed && indexed.with_nhs > 0 && indexed.with_nhs < indexed.children, 'some children have an NHS number, not all');
    assert.deepEqual({ children: figures.children, withNhsNumber: figures.withNhsNumber }, { children: indexed.children, withNhsNumber: indexed.with_nhs });
    assert.ok(figures.openItems >= 1);
    assert.ok(figures.oldestAgeDays !== null && figures.medianAgeDays !== null && figures.oldestAgeDays >= figures.medianAgeDays);
    assert.match(page.body, /Below 95%/);
    assert.ok(!page.body.includes('Brackwater'));
    assert.equal(typeof otherCouncilCode, 'string');
  });
});
