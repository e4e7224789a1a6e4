import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { buildTestApp, type TestApp } from '../../test/build-test-app.js';
import { anOrganisation } from '../../test/factories/accounts.js';
import { aStoredChild, aTestNhsNumber } from '../../test/factories/children.js';
import { computedIndexRows, storedIndexRows } from '../../test/blind-index-rows.js';
import { down, up } from '../../migrations/20261201T120000_composite_blocking_keys.js';
import * as datePartKeys from '../../migrations/20261202T000000_date_part_search_keys.js';
import * as dateGivenSoundKeys from '../../migrations/20261202T070000_date_given_sound_keys.js';
import { backfillSearchKeys } from './search-key-backfill.js';
import { createLogger } from '../platform/logging/logger.js';
import { COMPOSITE_KINDS, DATE_GIVEN_SOUND_KIND } from './blind-index.js';
import type { Child, ChildIdentity } from './child-identity.js';

let t: TestApp;
let councilId: string;

before(async () => {
  t = await buildTestApp();
  councilId = await anOrganisation(t, 'council');
});

after(() => t.close());

const aChildWith = (identity: Partial<ChildIdentity>): Child => aStoredChild(councilId, identity);
const compositeRows = (childIds: readonly string[]) => storedIndexRows(t.database.db, COMPOSITE_KINDS, childIds);
const computed = (child: Child) => computedIndexRows(t.services.children.sealer.indexer, COMPOSITE_KINDS, child.identity);

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
  // The later migrations first, as a rollback would go; then forward again.
  await dateGivenSoundKeys.down(owner);
  await datePartKeys.down(owner);
  await down(owner);
  assert.ok([...(await compositeRows(ids)).values()].every((rows) => rows.length === 0), 'down removes them');
  await up(owner);
  assert.deepEqual(await compositeRows(ids), stored, 'up derives the same rows again');
  await datePartKeys.up(owner);
  await dateGivenSoundKeys.up(owner);
  await backfillSearchKeys(t.database.db, t.keys, { logger: createLogger({ logLevel: 'silent' }) });
});

test('a child updated from its source is found by the composite keys of its new identity, not its old', async () => {
  const child = aChildWith({ familyName: 'Quenby', dateOfBirth: '2012-02-03' });
  await t.services.children.add([child]);
  const moved: ChildIdentity = { ...child.identity, familyName: 'Quenby-Hale', address: { kind: 'known', lines: ['3 Mill Lane'], town: 'Bradford', postcode: 'BD1 2XY' } };
  await t.services.children.replaceIdentity(t.database.db, child, moved);
  assert.deepEqual((await compositeRows([child.id])).get(child.id), computed({ ...child, identity: moved }));
});

test('the migration derives in SQL the date-of-birth-and-given-name-sound keys a new child is stored with', async () => {
  const children = [
    aChildWith({ givenNames: 'Mohammed Ali', dateOfBirth: '2013-04-09' }),
    aChildWith({ givenNames: 'Zoë-Jane', dateOfBirth: '2014-12-25' }),
    aChildWith({ givenNames: null, dateOfBirth: '2015-06-06' }),
  ];
  await t.services.children.add(children);
  const ids = children.map((c) => c.id);
  const rows = () => storedIndexRows(t.database.db, [DATE_GIVEN_SOUND_KIND], ids);
  const stored = await rows();
  for (const child of children) assert.deepEqual(stored.get(child.id), computedIndexRows(t.services.children.sealer.indexer, [DATE_GIVEN_SOUND_KIND], child.identity));
  assert.ok(stored.get(children[0]!.id)!.length >= 2, 'one a given-name sound');
  assert.equal(stored.get(children[2]!.id)!.length, 0, 'none without a given name');

  const owner = t.database.db as unknown as Kysely<unknown>;
  await dateGivenSoundKeys.down(owner);
  assert.ok([...(await rows()).values()].every((list) => list.length === 0), 'down removes them');
  await dateGivenSoundKeys.up(owner);
  assert.deepEqual(await rows(), stored, 'up derives the same rows again');
});
