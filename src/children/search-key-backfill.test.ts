import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation } from '../../test/factories/accounts.js';
import { aStoredChild } from '../../test/factories/children.js';
import { computedIndexRows, storedIndexRows } from '../../test/blind-index-rows.js';
import { down, up } from '../../migrations/20261202T000000_date_part_search_keys.js';
import * as dateGivenSoundKeys from '../../migrations/20261202T070000_date_given_sound_keys.js';
import { ConfigError } from '../platform/config/config.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { createLogger } from '../platform/logging/logger.js';
import { DATE_PART_SOUND_KINDS } from './blind-index.js';
import type { Child, ChildIdentity } from './child-identity.js';
import { backfillSearchKeys } from './search-key-backfill.js';

let t: TestApp;
let councilId: string;

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
});

after(() => t.close());

const aChildWith = (identity: Partial<ChildIdentity>): Child => aStoredChild(councilId, identity);
const datePartRows = (childIds: readonly string[]) => storedIndexRows(t.database.db, DATE_PART_SOUND_KINDS, childIds);

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  return { logger: createLogger({ logLevel: 'info' }, stream), lines };
}

test('children stored before the date-part search keys get the values a new child is stored with, once, in batches that a stop cannot tear', async () => {
  const children = [
    aChildWith({}),
    aChildWith({ familyName: 'Smith-Jones', formerFamilyNames: ['Okafor'], dateOfBirth: '2013-11-02' }),
    { ...aChildWith({ familyName: 'Ng', givenNames: null, dateOfBirth: '2027-01-30' }), unborn: true },
    aChildWith({ familyName: 'Featherstonehaugh', formerFamilyNames: ['Smythe'], dateOfBirth: '2011-01-09' }),
    aChildWith({ familyName: 'Whitcombe', dateOfBirth: '2016-12-31' }),
  ];
  await t.services.children.add(children);
  const ids = children.map((c) => c.id);
  const stored = await datePartRows(ids);
  for (const child of children) {
    const computed = computedIndexRows(t.services.children.sealer.indexer, DATE_PART_SOUND_KINDS, child.identity);
    assert.deepEqual(stored.get(child.id), computed, 'a new child is stored with them');
    assert.ok(computed.length >= 2);
  }

  // As a deployment that stored these children before the keys existed: no values, every child queued.
  const owner = t.database.db as unknown as Kysely<unknown>;
  // The later migration first, as a rollback would go.
  await dateGivenSoundKeys.down(owner);
  await down(owner);
  await up(owner);
  await dateGivenSoundKeys.up(owner);
  assert.ok([...(await datePartRows(ids)).values()].every((rows) => rows.length === 0));
  // One child already has its values again (updated since it was queued): they are kept, not doubled.
  const updated = children[0]!;
  await t.services.children.replaceIdentity(t.database.db, updated, updated.identity);

  const { logger, lines } = capturingLogger();
  const progress: number[] = [];
  const queued = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM search_key_backfill`.execute(t.database.db)).rows[0]!.n);
  assert.ok(queued >= children.length);
  assert.equal(await backfillSearchKeys(t.database.db, t.keys, { logger, batchSize: 2, onProgress: (_stage, done) => progress.push(done) }), queued);
  assert.deepEqual(await datePartRows(ids), stored, 'the same values as a new child');
  assert.deepEqual(progress, Array.from({ length: Math.ceil(queued / 2) }, (_, i) => Math.min(queued, 2 * (i + 1))), 'a report per batch');
  assert.equal(await backfillSearchKeys(t.database.db, t.keys, { logger }), 0, 'nothing is left for the next start');
  const logged = lines.join('');
  assert.match(logged, /search keys: done/);
  for (const child of children) {
    assert.ok(!logged.includes(child.identity.familyName) && !logged.includes(child.identity.dateOfBirth), 'counts only: no name or date of birth');
  }
});

test('a search with a mistyped day or month finds a child whose values came from the backfill', async () => {
  const child = aChildWith({ givenNames: 'Percy', familyName: 'Dunwoody', dateOfBirth: '2012-08-17' });
  await t.services.children.add([child]);
  await sql`DELETE FROM child_blind_index WHERE child_id = ${child.id} AND kind = ANY(${DATE_PART_SOUND_KINDS}::text[])`.execute(t.database.db);
  await sql`INSERT INTO search_key_backfill (child_id) VALUES (${child.id})`.execute(t.database.db);
  const found = async (dateOfBirth: string) => (await t.services.childSearch.search({ givenNames: 'Percy', familyName: 'Dunwoody', dateOfBirth })).map((r) => r.childId);
  assert.deepEqual(await found('2012-08-19'), [], 'before: a mistyped day misses the child');
  await backfillSearchKeys(t.database.db, t.keys, { logger: capturingLogger().logger });
  assert.deepEqual(await found('2012-08-19'), [child.id]);
  assert.deepEqual(await found('2012-03-17'), [child.id]);
});

test('a child whose record will not open is left out and counted; a key that opens none stops the start with nothing changed', async () => {
  const children = [aChildWith({ familyName: 'Lascelles' }), aChildWith({ familyName: 'Hepworth' }), aChildWith({ familyName: 'Tetley' })];
  await t.services.children.add(children);
  const ids = children.map((c) => c.id);
  await sql`DELETE FROM child_blind_index WHERE child_id = ANY(${ids}::uuid[]) AND kind = ANY(${DATE_PART_SOUND_KINDS}::text[])`.execute(t.database.db);
  await sql`INSERT INTO search_key_backfill (child_id) SELECT unnest(${ids}::uuid[])`.execute(t.database.db);

  await assert.rejects(backfillSearchKeys(t.database.db, new Keyring(randomBytes(32)), { logger: capturingLogger().logger }), (e: unknown) => e instanceof ConfigError && /SIGNPOST_KEK/.test(e.message));
  assert.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM search_key_backfill`.execute(t.database.db)).rows[0]!.n), 3, 'still queued');

  await sql`UPDATE child_keys SET wrapped_key = ${randomBytes(60)} WHERE child_id = ${ids[1]!}`.execute(t.database.db);
  const { logger, lines } = capturingLogger();
  assert.equal(await backfillSearchKeys(t.database.db, t.keys, { logger }), 2);
  const rows = await datePartRows(ids);
  assert.ok(rows.get(ids[0]!)!.length > 0 && rows.get(ids[2]!)!.length > 0);
  assert.deepEqual(rows.get(ids[1]!), []);
  assert.match(lines.join(''), /"unreadable":1/);
});
