import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation } from '../../test/factories/accounts.js';
import { aTestNhsNumber } from '../../test/factories/children.js';
import { down, up } from '../../migrations/20261201T120000_composite_blocking_keys.js';
import * as datePartKeys from '../../migrations/20261202T000000_date_part_search_keys.js';
import { backfillSearchKeys } from './search-key-backfill.js';
import { createLogger } from '../platform/logging/logger.js';
import { COMPOSITE_KINDS } from './blind-index.js';
import type { Child, ChildIdentity } from './child-identity.js';

let t: TestApp;
let councilId: string;

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
});

after(() => t.close());

const aChildWith = (identity: Partial<ChildIdentity>): Child => ({
  id: randomUUID(), responsibleCouncilId: councilId, recordTrigger: 'child_in_need', triggerDate: '2026-09-01', sex: 'male', unborn: false, shielded: false,
  identity: {
    givenNames: 'Arlo', familyName: 'Tennant', formerFamilyNames: [], dateOfBirth: '2013-06-04', nhsNumber: null,
    address: { kind: 'known', lines: ['4 Mill Street'], town: 'Leeds', postcode: 'LS2 7EY' }, ...identity,
  },
});

/** Each child's composite rows as sorted "kind:hex" strings, from the database. */
async function compositeRows(childIds: readonly string[]): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ child_id: string; kind: string; value: Buffer }>`
    SELECT child_id, kind, value FROM child_blind_index WHERE kind = ANY(${COMPOSITE_KINDS}::text[]) AND child_id = ANY(${childIds}::uuid[])`.execute(t.database.db);
  const out = new Map<string, string[]>(childIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.child_id)!.push(`${r.kind}:${r.value.toString('hex')}`);
  for (const list of out.values()) list.sort();
  return out;
}

/** The composite entries the indexer computes for a child, as compositeRows lists them. */
function computed(child: Child): string[] {
  return t.services.children.sealer.indexer.entriesFor(child.identity)
    .filter((e) => (COMPOSITE_KINDS as readonly string[]).includes(e.kind)).map((e) => `${e.kind}:${e.value.toString('hex')}`).sort();
}

test('the migration derives in SQL, from the stored values, the composite keys a new child is stored with', async () => {
  const children = [
    aChildWith({}),
    aChildWith({ familyName: 'Smith-Jones', formerFamilyNames: ['Okafor'], dateOfBirth: '2014-03-07', nhsNumber: aTestNhsNumber() }),
    aChildWith({ familyName: 'Schmidt-Wojcik-Jankowski-Gallagher-Czerny-Rzepka', dateOfBirth: '2015-12-30' }),
    aChildWith({ familyName: 'Ng', address: { kind: 'no_known_address' } }),
    aChildWith({ familyName: 'Featherstonehaugh-Pryce', formerFamilyNames: ['Smythe', 'Van der Berg'], dateOfBirth: '2011-11-11' }),
  ];
  await t.services.children.add(children);
  const ids = children.map((c) => c.id);
  const stored = await compositeRows(ids);
  for (const child of children) {
    assert.deepEqual(stored.get(child.id), computed(child));
    assert.ok(stored.get(child.id)!.length > 0);
  }
  const kinds = new Set([...stored.values()].flat().map((row) => row.split(':')[0]));
  assert.deepEqual([...kinds].sort(), [...COMPOSITE_KINDS].sort(), 'every kind is exercised');

  const owner = t.database.db as unknown as Kysely<unknown>;
  // The later migration first, as a rollback would go; then forward again.
  await datePartKeys.down(owner);
  await down(owner);
  assert.ok([...(await compositeRows(ids)).values()].every((rows) => rows.length === 0), 'down removes them');
  await up(owner);
  assert.deepEqual(await compositeRows(ids), stored, 'up derives the same rows again');
  await datePartKeys.up(owner);
  await backfillSearchKeys(t.database.db, t.keys, { logger: createLogger({ logLevel: 'silent' }) });
});

test('a child updated from its source is found by the composite keys of its new identity, not its old', async () => {
  const child = aChildWith({ familyName: 'Quenby', dateOfBirth: '2012-02-03' });
  await t.services.children.add([child]);
  const moved: ChildIdentity = { ...child.identity, familyName: 'Quenby-Hale', address: { kind: 'known', lines: ['3 Mill Lane'], town: 'Bradford', postcode: 'BD1 2XY' } };
  await t.services.children.replaceIdentity(t.database.db, child, moved);
  assert.deepEqual((await compositeRows([child.id])).get(child.id), computed({ ...child, identity: moved }));
});
