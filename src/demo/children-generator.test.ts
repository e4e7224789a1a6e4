import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidNhsNumber, isTestRangeNhsNumber } from '../children/nhs-number.js';
import { RECORD_TRIGGERS } from '../children/child-identity.js';
import { addYears } from '../platform/time/calendar-date.js';
import { demoChildId, generateChildBatches, generateChildren, type GeneratedChild } from './children-generator.js';
import { DEMO_COUNCILS } from './demo-directory.js';

const today = '2026-11-22';
const take = (seed: number, count: number) => [...generateChildren({ seed, count, today })];

// One larger sample shared by the statistical checks.
const sample = take(2026, 20_000);
const bySeq = new Map(sample.map((c) => [c.seq, c]));
const share = (predicate: (c: GeneratedChild) => boolean) => sample.filter(predicate).length / sample.length;

test('the same seed gives the same children, and a shorter run is a prefix of a longer one', () => {
  assert.deepEqual(take(7, 500), take(7, 500));
  assert.deepEqual(take(7, 200), take(7, 500).slice(0, 200));
  assert.notDeepEqual(take(8, 50).map((c) => c.identity), take(7, 50).map((c) => c.identity));
  assert.equal(take(7, 1)[0]!.id, demoChildId(7, 0));
});

test('children are produced lazily: the first few of a million cost next to nothing', () => {
  const started = performance.now();
  const iterator = generateChildren({ seed: 1, count: 1_000_000, today });
  for (let i = 0; i < 5; i++) assert.equal(iterator.next().done, false);
  assert.ok(performance.now() - started < 1_000);
});

test('batches cover the stream exactly once, in order', () => {
  const batches = [...generateChildBatches({ seed: 3, count: 1_050, today }, 500)];
  assert.deepEqual(batches.map((b) => b.length), [500, 500, 50]);
  assert.deepEqual(batches.flat().map((c) => c.seq), Array.from({ length: 1_050 }, (_, i) => i));
  assert.deepEqual(batches.flat(), take(3, 1_050));
});

test('every child belongs to a demo council and lives in its postcode area (or has no known address)', () => {
  const councils = new Map(DEMO_COUNCILS.map((c) => [c.code, c]));
  for (const child of sample) {
    const council = councils.get(child.councilCode);
    assert.ok(council, child.councilCode);
    const address = child.identity.address;
    if (address.kind === 'no_known_address') continue;
    assert.match(address.postcode, /^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$/);
    assert.ok(council.postcodeAreas.includes(address.postcode.replace(/\d.*$/, '')), address.postcode);
    assert.equal(address.town, council.town);
  }
  for (const council of DEMO_COUNCILS) assert.ok(sample.some((c) => c.councilCode === council.code), council.code);
  const noAddress = share((c) => c.identity.address.kind === 'no_known_address');
  assert.ok(noAddress > 0.002 && noAddress < 0.01, String(noAddress));
});

test('ages run from unborn to 24, and only care leavers are adults', () => {
  for (const child of sample) {
    const dob = child.identity.dateOfBirth;
    assert.ok(RECORD_TRIGGERS.includes(child.recordTrigger));
    if (child.unborn) {
      assert.ok(dob > today);
      assert.equal(child.recordTrigger, 'unborn_child_protection_plan');
      assert.equal(child.identity.givenNames, null);
      assert.equal(child.identity.nhsNumber, null);
      continue;
    }
    assert.ok(dob <= today, dob);
    assert.ok(child.triggerDate >= dob && child.triggerDate <= today, `${child.triggerDate} ${dob}`);
    if (child.recordTrigger === 'care_leaver') {
      assert.ok(dob <= addYears(today, -18) && dob > addYears(today, -25), dob);
    } else if (!child.duplicateOf?.variations.includes('dob_day_month_swap')) {
      // (A swapped day and month can make a 17-year-old look 18 in another agency's record.)
      assert.ok(dob > addYears(today, -18), dob);
    }
  }
  assert.ok(share((c) => c.unborn) > 0.002);
  assert.ok(share((c) => c.recordTrigger === 'care_leaver') > 0.02);
});

test('NHS numbers are valid, from the test range, and never shared between different children', () => {
  const owner = new Map<string, number>();
  for (const child of sample) {
    const nhs = child.identity.nhsNumber;
    if (nhs === null) continue;
    assert.ok(isValidNhsNumber(nhs) && isTestRangeNhsNumber(nhs), nhs);
    const real = child.duplicateOf?.seq ?? child.seq;
    const previous = owner.get(nhs);
    assert.ok(previous === undefined || previous === real, `NHS number reused by ${previous} and ${real}`);
    owner.set(nhs, real);
  }
  const missing = share((c) => c.identity.nhsNumber === null);
  assert.ok(missing > 0.02 && missing < 0.08, String(missing));
});

test('about 0.3% are shielded and some have former family names', () => {
  const shielded = share((c) => c.shielded);
  assert.ok(shielded > 0.001 && shielded < 0.005, String(shielded));
  assert.ok(share((c) => c.identity.formerFamilyNames.length > 0) > 0.02);
});

test('about 2% are near-duplicates of an earlier child, differing as their truth says', () => {
  const duplicates = sample.filter((c) => c.duplicateOf);
  const rate = duplicates.length / sample.length;
  assert.ok(rate > 0.015 && rate < 0.025, String(rate));
  const seen = new Set<string>();
  for (const dup of duplicates) {
    const truth = dup.duplicateOf!;
    const original = bySeq.get(truth.seq)!;
    assert.ok(truth.seq < dup.seq && original.id === truth.id && !original.duplicateOf);
    assert.equal(dup.shielded, false, 'another agency does not know about the shield');
    assert.ok(truth.variations.length > 0);
    assert.notDeepEqual(dup.identity, original.identity);
    for (const v of truth.variations) seen.add(v);
    const first = (c: GeneratedChild) => c.identity.givenNames?.split(' ')[0];
    if (truth.variations.includes('nhs_number_missing')) assert.equal(dup.identity.nhsNumber, null);
    if (truth.variations.includes('family_name_changed')) assert.notEqual(dup.identity.familyName, original.identity.familyName);
    if (truth.variations.includes('given_name_typo') || truth.variations.includes('nickname')) assert.notEqual(first(dup), first(original));
    if (truth.variations.includes('dob_day_month_swap')) {
      const [y, m, d] = original.identity.dateOfBirth.split('-');
      assert.equal(dup.identity.dateOfBirth, `${y}-${d}-${m}`);
    } else {
      assert.equal(dup.identity.dateOfBirth, original.identity.dateOfBirth);
    }
  }
  for (const v of ['given_name_typo', 'nickname', 'dob_day_month_swap', 'family_name_changed', 'nhs_number_missing', 'address_moved']) assert.ok(seen.has(v), v);
  assert.ok(duplicates.some((d) => bySeq.get(d.duplicateOf!.seq)!.shielded), 'some duplicates are of shielded children');
});

test('twins share family name, date of birth and address but have different given names and NHS numbers', () => {
  const twins = sample.filter((c) => c.twinOf);
  assert.ok(twins.length >= 20, String(twins.length));
  for (const twin of twins) {
    const other = bySeq.get(twin.twinOf!.seq)!;
    assert.equal(twin.identity.familyName, other.identity.familyName);
    assert.equal(twin.identity.dateOfBirth, other.identity.dateOfBirth);
    assert.deepEqual(twin.identity.address, other.identity.address);
    assert.notEqual(twin.identity.givenNames?.split(' ')[0], other.identity.givenNames?.split(' ')[0]);
    if (twin.identity.nhsNumber && other.identity.nhsNumber) assert.notEqual(twin.identity.nhsNumber, other.identity.nhsNumber);
  }
});
