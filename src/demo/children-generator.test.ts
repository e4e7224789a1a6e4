import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidNhsNumber, isTestRangeNhsNumber } from '../children/nhs-number.js';
import { RECORD_TRIGGERS } from '../children/child-identity.js';
import { addYears } from '../platform/time/calendar-date.js';
import { demoChildId, generateChildBatches, generateChildren, type GeneratedChild } from './children-generator.js';
import { DEMO_COUNCILS, demoEstablishmentNumber, SCHOOLS_PER_COUNCIL, WALKTHROUGH_NHS_PREFIX_FROM } from './demo-directory.js';
import { FOLLOWED_SHIELD } from './child-details-generator.js';
import { isValidUpn, upnCheckLetter } from '../children/upn.js';

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

// ---- parents and carers, earlier addresses, identifiers and shields ----

const DRAMA_PHONE = new RegExp(`^(07700 900\\d{3}|(${DEMO_COUNCILS.map((c) => c.phonePrefix.replace(/ /g, ' ')).join('|')})\\d{3})$`);

test('children have one or two parents or carers with parental responsibility recorded, and demo phone numbers only', () => {
  for (const child of sample) {
    const carers = child.identity.parentsCarers;
    if (child.recordTrigger === 'care_leaver') {
      assert.equal(carers, undefined, 'an adult care leaver has nobody with parental responsibility');
      continue;
    }
    if (child.duplicateOf) {
      // Another agency knows one carer at most and none of the earlier addresses.
      assert.ok(!carers || carers.length === 1);
      assert.equal(child.identity.previousAddresses, undefined);
      continue;
    }
    assert.ok(carers && carers.length >= 1 && carers.length <= 2, `${String(carers?.length)} carers`);
    for (const carer of carers) {
      assert.match(carer.name, /^\S+ \S/);
      if (carer.phone !== null) assert.match(carer.phone, DRAMA_PHONE);
      if (carer.email !== null) assert.match(carer.email, /^[a-z.]+\d*@mail\.demo\.test$/);
    }
    if (child.recordTrigger === 'looked_after') {
      assert.equal(carers[0]!.relationship, 'foster carer');
      assert.equal(carers[0]!.hasParentalResponsibility, false, 'foster carers do not hold parental responsibility');
    } else if (child.unborn) {
      assert.ok(carers.every((c) => !c.hasParentalResponsibility), 'parental responsibility begins at birth');
    } else {
      assert.ok(['mother', 'father'].includes(carers[0]!.relationship) && carers[0]!.hasParentalResponsibility);
    }
  }
  // Siblings who live alike and twins share their household's carers.
  const livesWith = (c: GeneratedChild) => (c.recordTrigger === 'care_leaver' ? 'self' : c.recordTrigger === 'looked_after' ? 'foster carer' : 'family');
  for (const child of sample.filter((c) => c.siblingOf && !c.unborn)) {
    const previous = bySeq.get(child.siblingOf!.seq)!;
    if (previous.identity.parentsCarers && livesWith(child) === livesWith(previous)) assert.deepEqual(child.identity.parentsCarers, previous.identity.parentsCarers);
  }
  for (const twin of sample.filter((c) => c.twinOf)) assert.deepEqual(twin.identity.parentsCarers, bySeq.get(twin.twinOf!.seq)!.identity.parentsCarers);
  const relationships = new Set(sample.flatMap((c) => c.identity.parentsCarers?.map((p) => p.relationship) ?? []));
  for (const r of ['mother', 'father', 'grandmother', 'stepfather', 'foster carer', 'expectant mother']) assert.ok(relationships.has(r), r);
});

test('some children have earlier addresses, most recent first, never before birth', () => {
  const withEarlier = sample.filter((c) => c.identity.previousAddresses);
  const rate = withEarlier.length / sample.length;
  assert.ok(rate > 0.12 && rate < 0.3, String(rate));
  for (const child of withEarlier) {
    let after = today;
    for (const previous of child.identity.previousAddresses!) {
      assert.ok(previous.to !== null && previous.to <= after && previous.to >= child.identity.dateOfBirth, JSON.stringify(previous));
      if (previous.from !== null) assert.ok(previous.from <= previous.to && previous.from >= child.identity.dateOfBirth);
      assert.equal(previous.address.kind, 'known');
      after = previous.from ?? previous.to;
    }
  }
});

test('school-age children have a valid UPN from a school of their council, and identifiers are never shared', () => {
  const councils = new Map(DEMO_COUNCILS.map((c) => [c.code, c]));
  const seen = new Map<string, number>();
  for (const child of sample) {
    for (const identifier of child.identifiers) {
      const key = `${identifier.kind}|${identifier.issuer}|${identifier.value}`;
      assert.equal(seen.get(key), undefined, `${key} given twice`);
      seen.set(key, child.seq);
    }
    const upn = child.identifiers.find((i) => i.kind === 'upn');
    const dob = child.identity.dateOfBirth;
    const schoolAge = !child.unborn && child.recordTrigger !== 'care_leaver' && dob <= addYears(today, -5) && dob > addYears(today, -18);
    if (child.duplicateOf) {
      assert.deepEqual(child.identifiers.map((i) => i.kind), ['source_system'], 'a near-duplicate carries its feeding system\'s id only');
      continue;
    }
    assert.equal(upn !== undefined, schoolAge, `${dob} ${child.recordTrigger}`);
    if (upn) {
      const council = councils.get(child.councilCode)!;
      assert.ok(isValidUpn(upn.value), upn.value);
      assert.equal(upn.value[0], upnCheckLetter(upn.value.slice(1)));
      assert.equal(upn.value.slice(1, 4), council.laNumber);
      const schools = Array.from({ length: SCHOOLS_PER_COUNCIL }, (_, i) => demoEstablishmentNumber(council, i + 1));
      assert.ok(schools.includes(upn.value.slice(4, 8)), upn.value);
      assert.equal(upn.issuer, '');
      assert.ok(upn.validFrom! > dob && upn.validFrom! <= today);
    }
    const councilId = child.identifiers.find((i) => i.kind === 'council_child_id');
    assert.equal(councilId !== undefined, child.recordTrigger !== 'operation_encompass');
    if (councilId) assert.equal(councilId.issuer, child.councilCode);
  }
  // A mistyped UPN fails its check letter.
  const one = sample.flatMap((c) => c.identifiers).find((i) => i.kind === 'upn')!.value;
  assert.equal(isValidUpn(`${one.slice(0, 12)}${String((Number(one[12]) + 1) % 10)}`), false);
});

test('near-duplicates say which agency\'s system fed them', () => {
  const systems = new Map<string, number>();
  for (const child of sample.filter((c) => c.duplicateOf)) {
    const source = child.identifiers[0]!;
    assert.equal(source.kind, 'source_system');
    assert.match(source.issuer, /^[a-z-]+$/);
    assert.match(source.value, /^[A-Z]+\d{7}$/);
    systems.set(source.issuer, (systems.get(source.issuer) ?? 0) + 1);
    if (child.unborn) assert.equal(source.issuer, 'maternity-system');
    if (child.recordTrigger === 'operation_encompass') assert.equal(source.issuer, 'police-case-system');
  }
  for (const system of ['health-visiting-system', 'school-mis', 'police-case-system', 'gp-clinical-system']) assert.ok(systems.has(system), system);
});

test('every shielded child has the council\'s shield, and the shield follows the child to its near-duplicates', () => {
  const shieldedRecords = sample.filter((c) => c.shield);
  assert.ok(shieldedRecords.length / sample.length < 0.005, 'under 0.5% of records (DOMAIN §4)');
  for (const child of sample) {
    if (child.shielded) assert.ok(child.shield, 'a shielded child has its shield');
    if (!child.shield) continue;
    const { shield } = child;
    assert.ok(shield.decidedOn <= today && shield.reviewOn > today && shield.reviewOn <= addYears(today, 1), JSON.stringify(shield));
    assert.ok(shield.reason.length > 20 && shield.decidedBy.length > 5);
    if (child.duplicateOf) {
      const original = bySeq.get(child.duplicateOf.seq)!;
      assert.equal(child.shielded, false, 'the feed did not know');
      assert.ok(original.shield);
      assert.equal(shield.councilCode, original.shield.councilCode);
      assert.equal(shield.decidedBy, FOLLOWED_SHIELD.decidedBy);
    } else {
      assert.ok(child.shielded);
      assert.equal(shield.councilCode, child.councilCode);
    }
  }
  for (const dup of sample.filter((c) => c.duplicateOf)) {
    assert.equal(dup.shield !== undefined, bySeq.get(dup.duplicateOf!.seq)!.shield !== undefined, 'every near-duplicate of a shielded child is shielded');
  }
  // Shielded children are few; the demo must still show a household of them and followed shields.
  assert.ok(shieldedRecords.some((c) => c.duplicateOf));
});

test('the NHS numbers kept for the walkthrough are never generated', () => {
  for (const child of sample) if (child.identity.nhsNumber) assert.ok(Number(child.identity.nhsNumber.slice(0, 9)) < WALKTHROUGH_NHS_PREFIX_FROM);
});
