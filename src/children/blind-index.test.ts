import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { Keyring } from '../platform/crypto/keyring.js';
import { BlindIndexer, givenNameForms, metaphoneCodes, nameForms, normaliseName, normalisePostcode, swapDayAndMonth, type BlindIndexEntry } from './blind-index.js';
import type { ChildIdentity } from './child-identity.js';

const child: ChildIdentity = {
  givenNames: 'Zoë Mary-Jane',
  familyName: "O'Brien",
  formerFamilyNames: ['Smith-Jones'],
  dateOfBirth: '2015-03-07',
  address: { kind: 'known', lines: ['12 Hyde Park Road'], town: 'Leeds', postcode: 'LS6 2AB' },
  nhsNumber: '999 000 0018',
};

const hex = (entries: BlindIndexEntry[], kind: string) => entries.filter((e) => e.kind === kind).map((e) => e.value.toString('hex')).sort();
const shares = (a: BlindIndexEntry[], b: BlindIndexEntry[], kind: string) => hex(a, kind).some((x) => hex(b, kind).includes(x));

test('names normalise to plain lower-case letters', () => {
  assert.equal(normaliseName("O'Brien"), 'obrien');
  assert.equal(normaliseName('obrien'), 'obrien');
  assert.equal(normaliseName('O’BRIEN'), 'obrien');
  assert.equal(normaliseName('Zoë'), 'zoe');
  assert.equal(normaliseName('Ćosić'), 'cosic');
  assert.equal(normaliseName('Strauß'), 'strauss');
  assert.equal(normaliseName('Søren Ærø'), 'soren' + 'aero');
  assert.equal(normaliseName(' Smith-Jones '), 'smithjones');
});

test('double-barrelled and hyphenated names are indexed whole and by their parts', () => {
  assert.deepEqual(nameForms('Smith-Jones'), ['smithjones', 'smith', 'jones']);
  assert.deepEqual(nameForms('Smith Jones'), ['smithjones', 'smith', 'jones']);
  assert.deepEqual(nameForms("O'Brien"), ['obrien']);
  assert.deepEqual(nameForms('van der Berg'), ['vanderberg', 'berg']);
  assert.deepEqual(nameForms('St. John'), ['stjohn', 'john']);
  assert.deepEqual(nameForms('  '), []);
  assert.deepEqual(givenNameForms('Mary-Jane Louise'), ['maryjane', 'mary', 'jane', 'louise']);
});

test('phonetic codes bring spelling variants together', () => {
  assert.ok(metaphoneCodes('smith').some((c) => metaphoneCodes('smyth').includes(c)));
  assert.ok(metaphoneCodes('smith').some((c) => metaphoneCodes('schmidt').includes(c)));
  assert.ok(metaphoneCodes('catherine').some((c) => metaphoneCodes('kathryn').includes(c)));
});

test('dates of birth swap day and month only when that gives a different real date', () => {
  assert.equal(swapDayAndMonth('2015-03-07'), '2015-07-03');
  assert.equal(swapDayAndMonth('2015-03-13'), null);
  assert.equal(swapDayAndMonth('2015-05-05'), null);
  assert.equal(normalisePostcode(' ls6  2ab'), 'LS62AB');
});

test("a search for \"obrien\" meets the stored \"O'Brien\"; a different key meets nothing", () => {
  const keys = new Keyring(randomBytes(32));
  const indexer = new BlindIndexer(keys);
  const stored = indexer.entriesFor(child);
  const probe = indexer.probeFor({ familyName: 'obrien', givenNames: 'ZOE', dateOfBirth: '2015-03-07', postcode: 'ls62ab', nhsNumber: '9990000018' });
  for (const kind of ['family_name', 'family_name_metaphone', 'given_name_metaphone', 'dob', 'dob_year_family_metaphone', 'postcode', 'nhs_number']) {
    assert.ok(shares(stored, probe, kind), kind);
  }
  const otherKey = new BlindIndexer(new Keyring(randomBytes(32))).probeFor({ familyName: 'obrien' });
  assert.ok(!shares(stored, otherKey, 'family_name'));
});

test('the day-month swapped date, a former surname and one part of a double-barrelled name all find the child', () => {
  const indexer = new BlindIndexer(new Keyring(randomBytes(32)));
  const stored = indexer.entriesFor(child);
  assert.ok(shares(stored, indexer.probeFor({ dateOfBirth: '2015-07-03' }), 'dob_swapped'));
  assert.ok(!shares(stored, indexer.probeFor({ dateOfBirth: '2015-07-03' }), 'dob'));
  assert.ok(shares(stored, indexer.probeFor({ familyName: 'Jones' }), 'family_name'));
  assert.ok(shares(stored, indexer.probeFor({ familyName: 'Smith Jones' }), 'family_name'));
  assert.ok(shares(stored, indexer.probeFor({ givenNames: 'Mary' }), 'given_name_metaphone'));
  assert.ok(shares(stored, indexer.probeFor({ familyName: "O'Bryan" }), 'family_name_metaphone'));
});

test('the same text under two kinds gives unrelated values, and no entry repeats', () => {
  const indexer = new BlindIndexer(new Keyring(randomBytes(32)));
  assert.notDeepEqual(indexer.value('family_name_metaphone', 'TMS'), indexer.value('given_name_metaphone', 'TMS'));
  const entries = indexer.entriesFor({ ...child, givenNames: 'Anna Anna', familyName: 'Anna' });
  const keys = entries.map((e) => `${e.kind}:${e.value.toString('hex')}`);
  assert.equal(new Set(keys).size, keys.length);
  for (const e of entries) assert.equal(e.value.length, 16);
});

test('no index entry holds clear text, and an invalid NHS number is never probed', () => {
  const indexer = new BlindIndexer(new Keyring(randomBytes(32)));
  const all = Buffer.concat(indexer.entriesFor(child).map((e) => e.value)).toString('latin1').toLowerCase();
  for (const needle of ['brien', 'zoe', '2015', 'ls6', '999']) assert.ok(!all.includes(needle));
  assert.deepEqual(indexer.probeFor({ nhsNumber: '1234567890' }), []);
});

test('a child with no known address and no NHS number has no postcode or NHS entries', () => {
  const indexer = new BlindIndexer(new Keyring(randomBytes(32)));
  const entries = indexer.entriesFor({ ...child, address: { kind: 'no_known_address' }, nhsNumber: null, givenNames: null });
  assert.deepEqual(entries.filter((e) => ['postcode', 'nhs_number', 'given_name_metaphone'].includes(e.kind)), []);
});

test('values are HMAC-SHA256 under the derived blind-index key, truncated to 16 bytes', () => {
  const keys = new Keyring(randomBytes(32));
  const expected = createHmac('sha256', keys.derive('blind-index')).update('family_name\u001fobrien', 'utf8').digest().subarray(0, 16);
  assert.deepEqual(new BlindIndexer(keys).value('family_name', 'obrien'), expected);
});
