import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { DecryptionError } from '../platform/crypto/aead.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { ChildrenService } from './children.service.js';
import type { Child, ChildIdentity } from './child-identity.js';

let database: TestDatabase;
let children: ChildrenService;
let councilId: string;

before(async () => {
  database = await createTestDatabase();
  councilId = await insertOrganisation(database.db, { code: 'TST', kind: 'council', name: 'Test Council' });
  children = new ChildrenService({ db: database.db, keys: new Keyring(randomBytes(32)) });
});
after(() => database.drop());

function child(identity: Partial<ChildIdentity> = {}, facts: Partial<Child> = {}): Child {
  return {
    id: randomUUID(),
    responsibleCouncilId: councilId,
    recordTrigger: 'child_in_need',
    triggerDate: '2026-10-01',
    sex: 'female',
    unborn: false,
    shielded: false,
    ...facts,
    identity: {
      givenNames: 'Siobhán Mary-Jane',
      familyName: "O'Brien",
      formerFamilyNames: ['Smith-Jones'],
      dateOfBirth: '2014-03-07',
      address: { kind: 'known', lines: ['Flat 2', '14 Hyde Park Road'], town: 'Leeds', postcode: 'LS6 2AB' },
      nhsNumber: '9990000018',
      ...identity,
    },
  };
}

test('a stored child reads back with the same identity and facts', async () => {
  const stored = child();
  await children.add([stored]);
  assert.deepEqual(await children.read(stored.id), stored);
  assert.deepEqual(await children.readIdentity(stored.id), stored.identity);
  assert.equal(await children.readIdentity(randomUUID()), null);
});

test('an unborn child with no names, no address and no NHS number round-trips', async () => {
  const unborn = child({ givenNames: null, formerFamilyNames: [], address: { kind: 'no_known_address' }, nhsNumber: null }, { unborn: true, sex: 'unknown', recordTrigger: 'unborn_child_protection_plan' });
  await children.add([unborn]);
  assert.deepEqual(await children.read(unborn.id), unborn);
});

test('the database holds ciphertext: the columns do not contain the clear values', async () => {
  const stored = child({ familyName: 'Quillfeather' });
  await children.add([stored]);
  const row = await database.db.selectFrom('children').selectAll().where('id', '=', stored.id).executeTakeFirstOrThrow();
  for (const column of [row.given_names, row.family_name, row.former_family_names, row.date_of_birth, row.address, row.nhs_number]) {
    const text = column!.toString('latin1');
    for (const needle of ['Quillfeather', 'Siobh', '2014-03-07', 'LS6', '9990000018', 'Smith']) assert.ok(!text.includes(needle));
  }
});

test('a sealed field copied from one child to another will not open', async () => {
  const a = child({ familyName: 'Aardvark' });
  const b = child({ familyName: 'Bumblebee' });
  await children.add([a, b]);
  await sql`UPDATE children SET family_name = (SELECT family_name FROM children WHERE id = ${a.id}) WHERE id = ${b.id}`.execute(database.db);
  await assert.rejects(children.read(b.id), DecryptionError);
  assert.equal((await children.readIdentity(a.id))?.familyName, 'Aardvark');
});

test('searching "obrien" born 7 March 2014 finds the child first, even with day and month swapped', async () => {
  const target = child({ familyName: "O'Brien-Walsh", givenNames: 'Zoë', dateOfBirth: '2014-03-07', nhsNumber: null });
  await children.add([target, child({ familyName: 'Unrelated', givenNames: 'Peter', dateOfBirth: '2001-01-01', nhsNumber: null, address: { kind: 'no_known_address' } })]);
  const [best] = await children.findCandidates({ familyName: 'obrien walsh', givenNames: 'zoe', dateOfBirth: '2014-07-03' });
  assert.equal(best?.childId, target.id);
});

test('shredding a child deletes its key and index, and nothing about it can be read again', async () => {
  const doomed = child({ familyName: 'Shredwell' });
  await children.add([doomed]);
  assert.equal((await children.findCandidates({ familyName: 'Shredwell' }))[0]?.childId, doomed.id);
  assert.equal(await children.shred(doomed.id), true);
  assert.equal(await children.readIdentity(doomed.id), null);
  assert.deepEqual(await children.findCandidates({ familyName: 'Shredwell' }), []);
  assert.equal(await children.shred(doomed.id), false);
  // The sealed row is still there (statistics keep the clear facts), but is unreadable.
  const row = await database.db.selectFrom('children').select(['family_name', 'record_trigger']).where('id', '=', doomed.id).executeTakeFirstOrThrow();
  assert.equal(row.record_trigger, 'child_in_need');
});

test('a batch is stored whole or not at all', async () => {
  const before = await children.count();
  const good = child();
  const clash = child({}, { id: good.id });
  await assert.rejects(children.add([good, clash]));
  assert.equal(await children.count(), before);
  assert.equal(await children.exists(good.id), false);
});
