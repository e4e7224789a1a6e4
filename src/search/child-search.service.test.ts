import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { statementCounter } from '../../test/statement-counter.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { ValidationError } from '../platform/http/errors.js';
import { insertOrganisation } from '../organisations/organisations.repository.js';
import { ChildrenService } from '../children/children.service.js';
import type { Child, ChildIdentity } from '../children/child-identity.js';
import { AuditService } from '../audit/audit.service.js';
import { FixedClock } from '../platform/time/clock.js';
import { ChildSearchService } from './child-search.service.js';

let database: TestDatabase;
let search: ChildSearchService;
let keys: Keyring;
let councilId: string;
const ids: Record<string, string> = {};

function aChild(name: string, identity: Partial<ChildIdentity>, facts: Partial<Child> = {}): Child {
  ids[name] = randomUUID();
  return {
    id: ids[name],
    responsibleCouncilId: councilId,
    recordTrigger: 'child_in_need',
    triggerDate: '2026-10-01',
    sex: 'male',
    unborn: false,
    shielded: false,
    ...facts,
    identity: {
      givenNames: 'William James',
      familyName: 'Hargreaves',
      formerFamilyNames: [],
      dateOfBirth: '2015-03-14',
      address: { kind: 'known', lines: ['3 Mill Lane'], town: 'Leeds', postcode: 'LS6 2AB' },
      nhsNumber: null,
      ...identity,
    },
  };
}

before(async () => {
  database = await createTestDatabase();
  councilId = await insertOrganisation(database.db, { code: 'LEE', kind: 'council', name: 'Leeds City Council', officeHoursPhone: '0113 496 0100', emergencyDutyPhone: '0113 496 0199' });
  keys = new Keyring(randomBytes(32));
  await new ChildrenService({ db: database.db, keys }).add([
    aChild('william', { nhsNumber: '9990000018' }),
    aChild('twin', { givenNames: 'Thomas Edward' }),
    aChild('renamed', { givenNames: 'Chloe', familyName: 'Okafor', formerFamilyNames: ['Pemberton'], dateOfBirth: '2012-11-02' }, { sex: 'female' }),
    aChild('shielded', { givenNames: 'Ruby', familyName: 'Ashworth', dateOfBirth: '2016-07-21' }, { shielded: true, sex: 'female' }),
    aChild('unrelated', { givenNames: 'Mohammed', familyName: 'Iqbal', dateOfBirth: '2011-01-30' }),
  ]);
  search = new ChildSearchService({ db: database.db, keys });
});
after(() => database.drop());

const found = async (query: Parameters<ChildSearchService['search']>[0]) => (await search.search(query)).map((r) => r.childId);

describe('finding a child known to services', () => {
  test('by NHS number, with or without spaces', async () => {
    assert.deepEqual(await found({ nhsNumber: '999 000 0018' }), [ids['william']]);
  });

  test('by a misspelt last name and date of birth; the record says who to contact', async () => {
    const results = await search.search({ familyName: 'Hargreves', dateOfBirth: '2015-03-14', givenNames: 'William' });
    const [first] = results;
    assert.ok(first);
    assert.equal(first.childId, ids['william']);
    assert.equal(first.council.name, 'Leeds City Council');
    assert.equal(first.council.emergencyDutyPhone, '0113 496 0199');
    assert.ok(first.because.includes('a similar last name'));
  });

  test('by a nickname: Billy finds William', async () => {
    const results = await search.search({ givenNames: 'Billy', familyName: 'Hargreaves', dateOfBirth: '2015-03-14' });
    assert.equal(results[0]?.childId, ids['william']);
    assert.ok(results[0]?.because.includes('a known short form of the first name'));
  });

  test('with day and month swapped', async () => {
    const swapped = await search.search({ givenNames: 'Chloe', familyName: 'Okafor', dateOfBirth: '2012-02-11' });
    assert.equal(swapped[0]?.childId, ids['renamed']);
    assert.ok(swapped[0]?.because.includes('date of birth with day and month swapped'));
  });

  test('with the day, or the month, of birth mistyped', async () => {
    const wrongDay = await search.search({ givenNames: 'Chloe', familyName: 'Okafor', dateOfBirth: '2012-11-03' });
    assert.equal(wrongDay[0]?.childId, ids['renamed']);
    assert.ok(wrongDay[0]?.because.includes('date of birth one digit different'));
    const wrongMonth = await search.search({ givenNames: 'Chloe', familyName: 'Okafor', dateOfBirth: '2012-10-02' });
    assert.equal(wrongMonth[0]?.childId, ids['renamed']);
  });

  test('with the day of birth mistyped, among more children born on the typed day than a search opens', async () => {
    const others = ['Abbott', 'Barker', 'Cartwright', 'Dalton', 'Ellison', 'Fairbairn', 'Gorton', 'Hollis', 'Ingham', 'Jessop', 'Kershaw', 'Lumb',
      'Marsden', 'Nuttall', 'Ogden', 'Pickles', 'Quarmby', 'Rushworth', 'Sutcliffe', 'Thwaite', 'Uttley', 'Varley', 'Wadsworth', 'Yeadon',
      'Ackroyd', 'Bairstow', 'Crabtree', 'Dobson', 'Entwistle', 'Firth', 'Greenwood', 'Haigh', 'Illingworth', 'Jowett', 'Kitson', 'Laycock'];
    const given = ['Amelia', 'Bartholomew', 'Cecily', 'Dorian', 'Elspeth', 'Florian'];
    const children = others.map((familyName, i) => aChild(`born-that-day-${String(i)}`, { familyName, givenNames: given[i % given.length]!, dateOfBirth: '2013-04-09' }));
    const wanted = aChild('day-mistyped', { givenNames: 'Harriet', familyName: 'Stansfield', dateOfBirth: '2013-04-19' });
    await new ChildrenService({ db: database.db, keys }).add([...children, wanted]);
    // Each born-that-day child shares the date (4); the wanted child its name's one sound with the
    // year and month, and its first name's one sound. Not opened, it could not be found.
    assert.ok(children.length > 30, 'more than the 30 candidates a search opens');
    assert.equal((await found({ givenNames: 'Harriet', familyName: 'Stansfield', dateOfBirth: '2013-04-09' }))[0], ids['day-mistyped']);
  });

  test('by a last name that sounds different, among more children born that day than a search opens; and with day and month swapped', async () => {
    // 300 others, so that the wanted child would be among the 30 opened by chance one time in ten.
    const starts = ['Ab', 'Bar', 'Cart', 'Dal', 'Ell', 'Fair', 'Gor', 'Hol', 'Ing', 'Jess', 'Ker', 'Lum', 'Mars', 'Nut', 'Og'];
    const ends = ['bott', 'ker', 'wright', 'ton', 'ison', 'bairn', 'lis', 'ham', 'op', 'shaw', 'b', 'den', 'tall', 'den', 'wood', 'royd', 'tree', 'son', 'th', 'haigh'];
    const given = ['Amelia', 'Bartholomew', 'Cecily', 'Dorian', 'Elspeth', 'Florian'];
    const children = starts.flatMap((start) => ends.map((end) => `${start}${end}`)).map((familyName, i) =>
      aChild(`born-that-day-too-${String(i)}`, { familyName, givenNames: given[i % given.length]!, dateOfBirth: '2014-05-07' }));
    const wanted = aChild('name-misheard', { givenNames: 'Imogen Grace', familyName: 'Stansfield', dateOfBirth: '2014-05-07' });
    await new ChildrenService({ db: database.db, keys }).add([...children, wanted]);
    // Every child shares the date (4); the wanted child its first name's sound with the date as
    // well (1), one posting-list lookup rather than a probe of each child born that day. Ranked
    // by the date alone it would be one of 301 children at 4, and the first 30 by id opened.
    assert.equal(children.length, 300);
    assert.equal((await found({ givenNames: 'Imogen', familyName: 'Stanfield', dateOfBirth: '2014-05-07' }))[0], ids['name-misheard']);
    assert.equal((await found({ givenNames: 'Imogen', familyName: 'Stanfield', dateOfBirth: '2014-07-05' }))[0], ids['name-misheard']);
  });

  test('by a former last name', async () => {
    const results = await search.search({ givenNames: 'Chloe', familyName: 'Pemberton', dateOfBirth: '2012-11-02' });
    assert.equal(results[0]?.childId, ids['renamed']);
    assert.ok(results[0]?.because.includes('a former last name'));
  });

  test('a twin is offered as a separate child, below the one searched for', async () => {
    const results = await found({ givenNames: 'William', familyName: 'Hargreaves', dateOfBirth: '2015-03-14' });
    assert.equal(results[0], ids['william']);
    assert.ok(!results.slice(0, 1).includes(ids['twin']!));
  });

  test('a shielded child is found but marked shielded, so only the shield fields are shown', async () => {
    const results = await search.search({ givenNames: 'Ruby', familyName: 'Ashworth', dateOfBirth: '2016-07-21' });
    assert.equal(results[0]?.childId, ids['shielded']);
    assert.equal(results[0]?.shielded, true);
  });

  test('a search that fits nobody returns nothing, not a list to browse', async () => {
    assert.deepEqual(await found({ familyName: 'Zyxwarden', dateOfBirth: '2010-05-05' }), []);
    assert.deepEqual(await found({ familyName: 'Hargreaves', dateOfBirth: '2001-09-09' }), []);
  });

  test('bad queries name the fields to fix', async () => {
    await assert.rejects(search.search({ nhsNumber: '1234567890' }), (e: unknown) => e instanceof ValidationError && 'nhsNumber' in e.fields);
    await assert.rejects(search.search({ givenNames: 'William' }), (e: unknown) => e instanceof ValidationError && 'familyName' in e.fields && 'dateOfBirth' in e.fields);
    await assert.rejects(search.search({ familyName: 'Smith', dateOfBirth: '2015-02-30' }), (e: unknown) => e instanceof ValidationError && /real date/.test(e.fields['dateOfBirth'] ?? ''));
  });
});

describe('a search and its audit entry', () => {
  const audit = () => new AuditService({ db: database.db, keys, clock: new FixedClock('2026-11-23T10:00:00Z') });
  const entries = async (requestId: string) =>
    (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM audit_entries WHERE request_id = ${requestId}`.execute(database.db)).rows[0]!.n;
  const anEntry = (requestId: string) => ({ action: 'search' as const, basis: 'stated reason', reason: 'education', outcome: 'allowed' as const, requestId });

  test('are one statement: the entry is written with the read of the candidates and their councils', async () => {
    const statements = statementCounter();
    const counted = new ChildSearchService({ db: database.db.withPlugin(statements.plugin), keys });
    const results = await counted.search({ givenNames: 'William', familyName: 'Hargreaves', dateOfBirth: '2015-03-14' }, audit().stamp(anEntry('one-statement')));
    assert.equal(results[0]?.childId, ids['william']);
    assert.equal(results[0]?.council.name, 'Leeds City Council');
    // Every round trip costs the service's one thread twice over; a new read here should fold into this one.
    assert.equal(statements.count(), 1);
    assert.equal(await entries('one-statement'), 1);
  });

  test('stand or fall together: an entry that cannot be written fails the search, and nothing is returned', async () => {
    const refused = { ...anEntry('refused-entry'), outcome: 'not an outcome' as 'allowed' };
    await assert.rejects(search.search({ givenNames: 'William', familyName: 'Hargreaves', dateOfBirth: '2015-03-14' }, audit().stamp(refused)), /check constraint/);
    assert.equal(await entries('refused-entry'), 0);
  });

  test('a search that finds nobody is recorded too', async () => {
    assert.deepEqual(await search.search({ familyName: 'Zyxwarden', dateOfBirth: '2010-05-05' }, audit().stamp(anEntry('found-nobody'))), []);
    assert.equal(await entries('found-nobody'), 1);
  });
});
