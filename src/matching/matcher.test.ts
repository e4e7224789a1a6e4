import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { syntheticPeople, type SyntheticPerson } from './synthetic-people.js';
import { normaliseRecord } from './record.normalise.js';
import { runBatch, DEFAULT_THRESHOLD } from './batch.js';
import { Scorer, parseModel, serialiseModel } from './model.js';
import type { MatchRecord } from './match-record.js';
import { COMPARISONS, twinOrKnownByMiddleName, vetoRule } from './comparisons.js';
import { childScorer } from './child-model.js';
import { AUTO_LINK_THRESHOLD, OnlineMatcher, REVIEW_THRESHOLD } from './online-match.js';

const SHORT_NAMES: Readonly<Record<string, string>> = { oliver: 'ollie', thomas: 'tom', sophia: 'sophie', jacob: 'jake', henry: 'harry', harry: 'henry', archie: 'archibald', alfie: 'alfred' };

/** A population with realistic duplicates, plus the hand-made stress cases the stories check. */
function population(): SyntheticPerson[] {
  const people = syntheticPeople(400);
  const dups: SyntheticPerson[] = [];
  people.slice(0, 120).forEach((p, i) => {
    // Every other duplicate has moved house; some lost their NHS number; a few have a typo; some go
    // by a short name or have the day and month swapped, as the stress cases below do (the
    // unsupervised model learns how much those count only from duplicates that show them).
    const moved = i % 2 === 0 ? { address: `${10 + i} new street`, postcode: 'ZZ9 9ZZ' } : {};
    const family = i % 5 === 0 && p.family_name ? p.family_name.slice(0, -1) : p.family_name;
    const given = i % 4 === 1 ? (SHORT_NAMES[p.given_name ?? ''] ?? p.given_name) : p.given_name;
    const [year, month, day] = (p.dob ?? '').split('-');
    const dob = i % 6 === 3 && Number(day) <= 12 ? `${year ?? ''}-${day ?? ''}-${month ?? ''}` : p.dob;
    const { identifier, ...rest } = p;
    dups.push({ ...rest, ...moved, given_name: given, dob, family_name: family, ...(i % 3 === 0 ? {} : { identifier }) });
  });
  const stress: SyntheticPerson[] = [
    { person: 'william', given_name: 'William', family_name: 'Ashworth', dob: '2012-03-07', sex: 'M', postcode: 'LS6 2AB', address: '14 Cardigan Road', identifier: '9434765919' },
    // Nickname, date of birth written month-first, no NHS number.
    { person: 'william', given_name: 'Billy', family_name: 'Ashworth', dob: '2012-07-03', sex: 'M', postcode: 'LS6 2AB', address: '14 Cardigan Rd' },
    { person: 'amelia', given_name: 'Amelia', family_name: 'Nowakowska', dob: '2010-11-21', sex: 'F', postcode: 'M14 5TQ', address: '3 Platt Lane', identifier: '4857773456' },
    // Surname changed, moved house, former surname recorded.
    { person: 'amelia', given_name: 'Amelia', family_name: 'Fairbrother', former_family_names: 'Nowakowska', dob: '2010-11-21', sex: 'F', postcode: 'B15 2TT', address: '88 Bristol Road', identifier: '4857773456' },
    // Twins: same family name, date of birth and address; different given names; no NHS numbers.
    { person: 'twin-a', given_name: 'Oscar', family_name: 'Okonkwo', dob: '2015-06-02', sex: 'M', postcode: 'NE4 7QX', address: '27 Elswick Road' },
    { person: 'twin-b', given_name: 'Grace', family_name: 'Okonkwo', dob: '2015-06-02', sex: 'F', postcode: 'NE4 7QX', address: '27 Elswick Road' },
    { person: 'twin-a', given_name: 'Oscar', family_name: 'Okonkwo', dob: '2015-06-02', sex: 'M', postcode: 'NE4 7QX', address: '27 Elswick Rd' },
    { person: 'twin-b', given_name: 'Grace', family_name: 'Okonkwo', dob: '2015-06-02', postcode: 'NE4 7QX', address: '27 Elswick Road' },
    // Twins, one named after the other's middle name; told apart by their NHS numbers.
    { person: 'twin-c', given_name: 'Imogen Rose', family_name: 'Pemberton', dob: '2013-02-14', sex: 'F', postcode: 'BS3 4PL', address: '5 Raleigh Road', identifier: '4010232137' },
    { person: 'twin-d', given_name: 'Rose', family_name: 'Pemberton', dob: '2013-02-14', sex: 'F', postcode: 'BS3 4PL', address: '5 Raleigh Road', identifier: '4010232145' },
    // One child known by her middle name, the NHS number on both records.
    { person: 'known-as-middle', given_name: 'Harriet Maud', family_name: 'Lindqvist', dob: '2011-09-30', sex: 'F', postcode: 'CF24 3AA', address: '61 Mackintosh Place', identifier: '4010232153' },
    { person: 'known-as-middle', given_name: 'Maud', family_name: 'Lindqvist', dob: '2011-09-30', sex: 'F', postcode: 'CF24 3AA', address: '61 Mackintosh Pl', identifier: '4010232153' },
    // The same pattern with no NHS number on one record: twin or one child, a person decides.
    { person: 'middle-or-twin-a', given_name: 'Thomas Edward', family_name: 'Blakemore', dob: '2014-01-23', sex: 'M', postcode: 'SW9 8QB', address: '12 Loughborough Road', identifier: '4010232161' },
    { person: 'middle-or-twin-b', given_name: 'Edward', family_name: 'Blakemore', dob: '2014-01-23', sex: 'M', postcode: 'SW9 8QB', address: '12 Loughborough Road' },
  ];
  return [...people, ...dups, ...stress];
}

const people = population();
const records: MatchRecord[] = people.map((p, i) => normaliseRecord(p, i, 0, 'YYYY-MM-DD'));
const result = runBatch(records, { link: false, threshold: DEFAULT_THRESHOLD });
const clusterOf = (person: string): Set<number> =>
  new Set(people.flatMap((p, i) => (p.person === person ? [result.clustering.clusterOf[i] as number] : [])));

test('twins at one address with one date of birth are never merged into one child', () => {
  const a = clusterOf('twin-a');
  const b = clusterOf('twin-b');
  for (const c of a) assert.ok(!b.has(c), 'a twin shares a cluster with the other twin');
});

test('each twin’s own duplicate records are still joined', () => {
  assert.equal(clusterOf('twin-a').size, 1);
});

test('Billy with a month-first date of birth and no NHS number is found as William', () => {
  assert.equal(clusterOf('william').size, 1);
});

test('a child whose surname changed is joined through the former surname and NHS number', () => {
  assert.equal(clusterOf('amelia').size, 1);
});

test('twins named after each other’s middle name, with different NHS numbers, are never merged', () => {
  const c = clusterOf('twin-c');
  for (const x of clusterOf('twin-d')) assert.ok(!c.has(x), 'the twins share a cluster');
});

test('a child known by her middle name is joined when the NHS numbers agree', () => {
  assert.equal(clusterOf('known-as-middle').size, 1);
});

test('first names that meet only through a middle name, with no NHS number to tell, are not joined without a person', () => {
  const a = clusterOf('middle-or-twin-a');
  for (const x of clusterOf('middle-or-twin-b')) assert.ok(!a.has(x));
});

describe('the twin rule, on the product’s model', () => {
  const child = (given: string, identifier: string | null): MatchRecord =>
    normaliseRecord({ given_name: given, family_name: 'Fairclough', dob: '2014-08-19', sex: 'F', postcode: 'LS6 2AB', address: '9 Kirkstall Lane', town: 'Leeds', ...(identifier ? { identifier } : {}) }, 0, 0, 'YYYY-MM-DD');
  const decision = (a: MatchRecord, b: MatchRecord) => {
    const e = childScorer().explain(a, b);
    return OnlineMatcher.decide([{ childId: 'existing', probability: e.probability, matchWeight: e.matchWeight, contributions: e.contributions, shielded: false }]).kind;
  };
  const NHS_A = '9434765919';
  const NHS_B = '4857773456';

  test('names that meet through a middle name, a known variant or a sound are twins when both NHS numbers are there and differ', () => {
    for (const [x, y] of [['Imogen Rose', 'Rose'], ['Mia', 'Maya'], ['Lena', 'Luna']] as const) {
      const a = child(x, NHS_A);
      const b = child(y, NHS_B);
      assert.equal(vetoRule(a, b), 'twins', `${x} / ${y}`);
      assert.ok(childScorer().probability(a, b) < REVIEW_THRESHOLD, `${x} / ${y} would reach the review queue`);
    }
  });

  test('one name spelt twice is not twins, even with a wholly different NHS number: it is reviewed, never linked', () => {
    for (const [x, y] of [['Lily', 'Lilly'], ['Matilda', 'Mathilda']] as const) {
      const a = child(x, NHS_A);
      const b = child(y, NHS_B);
      assert.equal(vetoRule(a, b), null, `${x} / ${y}`);
      assert.equal(decision(a, b), 'review');
    }
  });

  test('a given name mistyped by one keying slip, or written with a space, is one child; rhyming names are twins', () => {
    for (const [x, y] of [['Jack', 'Jadk'], ['Sylvie', 'Syivie'], ['Maryann', 'Mary Ann'], ['Emma', 'E mma']] as const) {
      assert.equal(vetoRule(child(x, null), child(y, null)), null, `${x} / ${y}`);
    }
    for (const [x, y] of [['Jack', 'Zack'], ['Harry', 'Barry'], ['Ava', 'Ada']] as const) {
      assert.equal(vetoRule(child(x, null), child(y, null)), 'twins', `${x} / ${y}`);
    }
    // One slip apart, but a boy and a girl: twins (Luca and Luna).
    const boy = normaliseRecord({ given_name: 'Luca', family_name: 'Fairclough', dob: '2014-08-19', sex: 'M', postcode: 'LS6 2AB', address: '9 Kirkstall Lane' }, 0, 0, 'YYYY-MM-DD');
    assert.equal(vetoRule(boy, child('Luna', null)), 'twins');
  });

  test('an NHS number written twice with one keying slip is one child, whatever the given names say', () => {
    // One digit wrong, and two neighbouring digits swapped: two valid NHS numbers never differ so.
    for (const slipped of ['9434765918', '9434756919']) {
      assert.equal(vetoRule(child('Imogen', NHS_A), child('Sophie', slipped)), null, slipped);
      const household = (dob: string): MatchRecord => normaliseRecord({ given_name: 'Imogen', family_name: 'Fairclough', dob, postcode: 'LS6 2AB', address: '9 Kirkstall Lane', identifier: dob === '2014-08-19' ? NHS_A : slipped }, 0, 0, 'YYYY-MM-DD');
      assert.equal(vetoRule(household('2014-08-19'), household('1986-03-02')), null, slipped);
    }
    assert.equal(vetoRule(child('Imogen', NHS_A), child('Sophie', NHS_B)), 'twins');
  });

  test('sound-alike first names with middle names of their own are twins; a nickname keeping or dropping the middle name is not', () => {
    // Found at 1M: twins Ivy Daisy and Evie Olivia, no NHS numbers, were linked as one child.
    assert.equal(vetoRule(child('Ivy Daisy', null), child('Evie Olivia', null)), 'twins');
    assert.notEqual(decision(child('Ivy Daisy', null), child('Evie Olivia', null)), 'link');
    assert.equal(vetoRule(child('Harry James', null), child('Henry Oscar', null)), 'twins');
    for (const [x, y] of [['Ivy Daisy', 'Evie'], ['Harry James', 'Henry James'], ['Harry James', 'Henry J'], ['Harry James Oscar', 'Henry Oscar'], ['Elizabeth Ann', 'Beth Anne'], ['Olivia Isla', 'Isla Olivia']] as const) {
      assert.equal(vetoRule(child(x, null), child(y, null)), null, `${x} / ${y}`);
    }
    // One name written twice (or spelt ≥ 0.92 alike) with different middle names is left to the score, as before.
    assert.equal(vetoRule(child('Sophia Grace', null), child('Sophie Eleanor', null)), null);
  });

  test('a child known by her middle name still scores as a match, with the same NHS number or none', () => {
    for (const identifier of [NHS_A, null]) {
      const a = child('Imogen Rose', NHS_A);
      const b = child('Rose', identifier);
      assert.equal(vetoRule(a, b), null);
      assert.ok(childScorer().probability(a, b) >= AUTO_LINK_THRESHOLD);
    }
  });

  test('a child known by her middle name links on an agreeing NHS number; without one a person decides', () => {
    const full = child('Imogen Rose', NHS_A);
    assert.equal(decision(full, child('Rose', NHS_A)), 'link');
    assert.equal(twinOrKnownByMiddleName(full, child('Rose', null)), true);
    assert.equal(decision(full, child('Rose', null)), 'review');
    assert.equal(decision(child('Rose', null), full), 'review');
  });
});

test('the explanation shows the twin rule and adds up to the match weight', () => {
  const scorer = new Scorer(result.model);
  const twinA = records[people.findIndex((p) => p.person === 'twin-a')] as MatchRecord;
  const twinB = records[people.findIndex((p) => p.person === 'twin-b')] as MatchRecord;
  const e = scorer.explain(twinA, twinB);
  assert.ok(e.contributions.some((c) => c.comparison === 'twins_rule'));
  const sum = e.contributions.reduce((s, c) => s + c.weight, 0);
  assert.ok(Math.abs(sum - scorer.matchWeight(twinA, twinB)) < 1e-9);
  assert.ok(e.probability < 0.01);
});

test('a trained model survives a round trip through JSON and scores the same', () => {
  const reloaded = new Scorer(parseModel(serialiseModel(result.model)));
  const original = new Scorer(result.model);
  for (let i = 0; i < 50; i += 1) {
    const a = records[i] as MatchRecord;
    const b = records[i + 400] as MatchRecord;
    assert.equal(reloaded.matchWeight(a, b), original.matchWeight(a, b));
  }
  assert.throws(() => parseModel('{"format":"other","version":1}'), /not a signpost-match-model/);
});

test('bounded scoring gives up only on pairs that score below the bound, and otherwise gives the exact weight', () => {
  const scorer = new Scorer(result.model);
  let dropped = 0;
  let kept = 0;
  for (let i = 0; i < records.length; i += 3) {
    for (let j = i + 1; j < records.length; j += 37) {
      const a = records[i] as MatchRecord;
      const b = records[j] as MatchRecord;
      const exact = scorer.matchWeight(a, b);
      for (const bound of [-20, -6.6, 0, 6.6]) {
        const bounded = scorer.matchWeightAtLeast(a, b, bound);
        if (exact < bound) assert.equal(bounded, null, `pair ${i},${j} below ${bound} was kept`);
        else assert.equal(bounded, exact, `pair ${i},${j} at or above ${bound} must keep its exact weight`);
        if (bounded === null) dropped += 1; else kept += 1;
      }
    }
  }
  assert.ok(dropped > 0 && kept > 0, 'both sides of the bound were exercised');
});

test('the score of a pair does not depend on which record comes first', () => {
  const scorer = new Scorer(result.model);
  const name = fc.constantFrom('william', 'bill', 'liam', 'willam', 'grace', 'gracie', 'okonkwo', 'smith', 'smyth', 'smith-jones', '');
  const person = fc.record({
    given_name: name,
    middle_names: name,
    family_name: name,
    former_family_names: name,
    dob: fc.constantFrom('2012-03-07', '2012-07-03', '2012-03-08', '2021-03-07', '2012-04-01', ''),
    sex: fc.constantFrom('M', 'F', ''),
    postcode: fc.constantFrom('LS6 2AB', 'LS6 2AD', 'LS6 3AB', 'LS7 1XY', 'M1 1AA', ''),
    address: fc.constantFrom('14 cardigan road', '14 cardigan rd', '41 cardigan road', '2 mill lane flat 3', ''),
    identifier: fc.constantFrom('9434765919', '9434765991', '4857773456', ''),
    email: fc.constantFrom('a.b@x.org', 'a.b@y.org', ''),
    phone: fc.constantFrom('07700900123', '07700900124', ''),
  });
  fc.assert(
    fc.property(person, person, (pa, pb) => {
      const a = normaliseRecord(pa, 0, 0, 'YYYY-MM-DD');
      const b = normaliseRecord(pb, 1, 0, 'YYYY-MM-DD');
      return Math.abs(scorer.matchWeight(a, b) - scorer.matchWeight(b, a)) < 1e-9;
    }),
    { numRuns: 2000, seed: 42 },
  );
});

test('a date of birth two keying slips out has its own level, yet still keeps same-home namesakes apart', () => {
  const dob = COMPARISONS.find((c) => c.name === 'dob');
  assert.ok(dob);
  const person = (date: string): MatchRecord => normaliseRecord({ given_name: 'Maria', family_name: 'Lopez', dob: date, postcode: 'LS6 2AB', address: '9 Kirkstall Lane' }, 0, 0, 'YYYY-MM-DD');
  const level = (x: string, y: string): string | undefined => dob.levels[dob.compare(person(x), person(y))];
  assert.equal(level('1982-07-23', '1972-07-25'), 'two_digits');
  assert.equal(level('2009-12-21', '2011-01-21'), 'different');
  // Siblings of one name whose dates happen to be two digits apart are namesakes, not one child.
  assert.equal(vetoRule(person('2012-03-14'), person('2015-03-24')), 'household_namesakes');
});

test('one home is counted once: a sister at the same address is not made likely by its postcode and town too', () => {
  const child = (given: string, dob: string, address: string): MatchRecord =>
    normaliseRecord({ given_name: given, family_name: 'Barker', dob, sex: 'F', postcode: 'LS6 2AB', address, town: 'Leeds' }, 0, 0, 'YYYY-MM-DD');
  const scorer = childScorer();
  const sisters = scorer.explain(child('Olivia', '2003-04-06', '14 Cardigan Road'), child('Daisy', '2015-09-16', '14 Cardigan Road'));
  const levelOf = (name: string): string | undefined => sisters.contributions.find((c) => c.comparison === name)?.level;
  assert.equal(levelOf('address'), 'exact');
  assert.equal(levelOf('postcode'), 'implied_by_address');
  assert.equal(levelOf('town'), 'implied_by_address');
  for (const name of ['postcode', 'town']) assert.equal(sisters.contributions.find((c) => c.comparison === name)?.weight, 0);
  // Counted three times the home outweighed a different first name and twelve years (0.96).
  assert.ok(sisters.probability < 0.001, `sisters scored ${String(sisters.probability)}`);
  // Next door, the postcode is evidence of its own; and one child at home scores as surely as before.
  const neighbours = scorer.explain(child('Olivia', '2003-04-06', '14 Cardigan Road'), child('Olivia', '2003-04-06', '16 Cardigan Road'));
  assert.equal(neighbours.contributions.find((c) => c.comparison === 'postcode')?.level, 'exact');
  assert.ok(scorer.probability(child('Olivia', '2003-04-06', '14 Cardigan Road'), child('Olivia', '2003-06-04', '14 Cardigan Road')) >= AUTO_LINK_THRESHOLD);
});
