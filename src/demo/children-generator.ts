import { createHash } from 'node:crypto';
import { Faker, base, en, en_GB } from '@faker-js/faker';
import type { ChildAddress, ChildIdentity, LinkedIdentifier, PreviousAddress, RecordTrigger, Sex } from '../children/child-identity.js';
import { completeNhsNumber, TEST_RANGE_FIRST } from '../children/nhs-number.js';
import { addDays, addYears, toUtcDate, type CalendarDate } from '../platform/time/calendar-date.js';
import { BOYS_NAMES, FAMILY_NAMES, GIRLS_NAMES, NICKNAMES, POSTCODE_DISTRICTS as DISTRICTS, POSTCODE_UNIT_LETTERS as UNIT_LETTERS, range, STREET_KINDS, STREET_STEMS } from './children-names.js';
import { DEMO_COUNCILS, WALKTHROUGH_NHS_PREFIX_FROM, type DemoCouncil } from './demo-directory.js';
import { agencyView, ChildDetails, type DemoShield } from './child-details-generator.js';

/** How a near-duplicate record differs from the child it duplicates. */
export type DuplicateVariation =
  | 'given_name_typo'
  | 'nickname'
  | 'dob_day_month_swap'
  | 'family_name_changed'
  | 'nhs_number_missing'
  | 'address_moved'
  | 'middle_names_dropped';

/** One synthetic child, with the ground truth that never goes into the database. */
export interface GeneratedChild {
  /** Position in the stream, from 0; the same seed always puts the same child here. */
  seq: number;
  /** Derived from the seed and position, so re-running a seed gives the same ids. */
  id: string;
  councilCode: string;
  recordTrigger: RecordTrigger;
  triggerDate: CalendarDate;
  sex: Sex;
  unborn: boolean;
  /** Shielded as the record arrived: a feed from another agency knows nothing of a shield. */
  shielded: boolean;
  /**
   * The shield the demo world records: the council's decision for a shielded child (and its
   * household), or, on a near-duplicate of a shielded child, the shield that followed the child.
   */
  shield?: DemoShield;
  identity: ChildIdentity;
  /**
   * Identifiers other systems know this record by: a UPN for a school-age child, the council's
   * child id where the council works with the child, the feeding system's id on a near-duplicate.
   */
  identifiers: LinkedIdentifier[];
  /** Set on a near-duplicate "from another agency": which child it really is and what differs. */
  duplicateOf?: { id: string; seq: number; variations: DuplicateVariation[] };
  /** Set on the second of a pair of twins: same family name, date of birth and address, a different child. */
  twinOf?: { id: string; seq: number };
  /** Set on a later child of the same household (a sibling): same family name and address. */
  siblingOf?: { id: string; seq: number };
}

export interface ChildrenGeneratorOptions {
  seed: number;
  count: number;
  /** Ages and trigger dates are relative to this date; fix it for reproducible output. */
  today: CalendarDate;
  councils?: readonly DemoCouncil[];
}

/** Rates per generated record, chosen to look like a council's children's services caseload. */
export const RATES = {
  duplicate: 0.02,
  twins: 0.004,
  sibling: 0.06,
  shielded: 0.003,
  noKnownAddress: 0.005,
  unborn: 0.005,
  careLeaver: 0.04,
  missingNhsNumber: 0.03,
  formerFamilyName: 0.05,
  middleNames: 0.45,
  doubleBarrelled: 0.03,
  /** Share of names drawn from faker's long tail rather than the common-name lists. */
  rareName: 0.12,
} as const;

const TRIGGERS_UNDER_18: readonly [RecordTrigger, number][] = [
  ['contact_referral_accepted', 28], ['early_help', 25], ['child_in_need', 17], ['s47_enquiry', 8],
  ['child_protection_plan', 8], ['looked_after', 8], ['operation_encompass', 6],
];
const AGENCY_TRIGGERS: readonly [RecordTrigger, number][] = [['operation_encompass', 3], ['contact_referral_accepted', 5], ['early_help', 2]];


// NHS numbers are handed out along a fixed permutation of the test range's nine-digit prefixes,
// so they never repeat until the range (about 909,000 valid numbers) runs out.
const PREFIXES = 1_000_000;
const PREFIX_STRIDE = 387_419; // coprime with 10^6, so k ↦ k·stride mod 10^6 visits every prefix once

// Originals a later near-duplicate may copy: a bounded window keeps memory flat at any count.
const RECENT_WINDOW = 4_096;

/**
 * Streams synthetic children for the demo councils, deterministically from `seed` and `today`:
 * the same options always give the same children in the same order, and a shorter run is a
 * prefix of a longer one. Memory stays flat however many are asked for.
 */
export function* generateChildren(options: ChildrenGeneratorOptions): Generator<GeneratedChild> {
  const world = new World(options);
  for (let seq = 0; seq < options.count; seq++) yield world.next(seq);
}

/** The same stream in arrays of `size`, for batched sealing and inserting. */
export function* generateChildBatches(options: ChildrenGeneratorOptions, size: number): Generator<GeneratedChild[]> {
  let batch: GeneratedChild[] = [];
  for (const child of generateChildren(options)) {
    batch.push(child);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

class World {
  readonly #faker: Faker;
  readonly #seed: number;
  readonly #today: CalendarDate;
  readonly #councils: readonly DemoCouncil[];
  readonly #prefixOffset: number;
  #nhsCounter = 0;
  readonly #recent: GeneratedChild[] = [];
  readonly #recentShielded: GeneratedChild[] = [];
  readonly #details: ChildDetails;
  #previous: GeneratedChild | undefined;
  #twinPending = false;
  // Date arithmetic done once per run rather than once per child.
  readonly #ageSpans = new Map<number, { earliest: number; days: number }>();
  readonly #fourYearsAgo: CalendarDate;
  readonly #threeYearsAgo: number;

  constructor(options: ChildrenGeneratorOptions) {
    if (options.councils?.length === 0) throw new RangeError('at least one council is needed');
    this.#faker = new Faker({ locale: [en_GB, en, base], seed: options.seed });
    this.#seed = options.seed;
    this.#today = options.today;
    this.#councils = options.councils ?? DEMO_COUNCILS;
    this.#fourYearsAgo = addYears(options.today, -4);
    this.#threeYearsAgo = dayNumber(addYears(options.today, -3));
    this.#prefixOffset = Math.abs(Math.imul(options.seed, 7_654_321)) % PREFIXES;
    this.#details = new ChildDetails({ seed: options.seed, today: options.today, councils: this.#councils });
  }

  next(seq: number): GeneratedChild {
    const previous = this.#previous;
    let child: GeneratedChild;
    if (this.#twinPending && previous) {
      this.#twinPending = false;
      child = this.#twin(seq, previous);
    } else if (this.#recent.length > 0 && this.#chance(RATES.duplicate)) {
      child = this.#duplicate(seq);
    } else if (previous && !previous.duplicateOf && !previous.unborn && this.#chance(RATES.sibling)) {
      child = this.#sibling(seq, previous);
    } else {
      child = this.#newChild(seq);
      this.#newFamily(child);
    }
    // After the council is settled (a sibling takes its household's), in stream order: schools
    // hand out UPN serials one after another.
    if (!child.duplicateOf) child.identifiers = this.#details.identifiers(child);
    if (!child.duplicateOf) {
      this.#remember(child);
      // Twins are born together: only a child under 16 with a known address starts a pair.
      if (!child.twinOf && !child.unborn && child.identity.address.kind === 'known' && child.recordTrigger !== 'care_leaver' && this.#chance(RATES.twins)) {
        this.#twinPending = true;
      }
    }
    this.#previous = child;
    return child;
  }

  // ---- kinds of record ----

  #newChild(seq: number): GeneratedChild {
    const council = this.#pick(this.#councils);
    const roll = this.#faker.number.float();
    const unborn = roll < RATES.unborn;
    const careLeaver = !unborn && roll < RATES.unborn + RATES.careLeaver;
    const sex = this.#sex(unborn);
    const dateOfBirth = unborn
      ? addDays(this.#today, this.#int(14, 150))
      : careLeaver ? this.#dobForAge(this.#int(18, 24)) : this.#dobForAge(this.#childAge());
    const recordTrigger: RecordTrigger = unborn ? 'unborn_child_protection_plan' : careLeaver ? 'care_leaver' : this.#triggerFor(dateOfBirth);
    const familyName = this.#familyName();
    const formerRate = recordTrigger === 'looked_after' || recordTrigger === 'care_leaver' ? RATES.formerFamilyName * 3 : RATES.formerFamilyName;
    return {
      seq,
      id: this.#id(seq),
      councilCode: council.code,
      recordTrigger,
      triggerDate: this.#triggerDate(recordTrigger, dateOfBirth),
      sex,
      unborn,
      shielded: this.#chance(RATES.shielded),
      identifiers: [],
      identity: {
        givenNames: unborn ? null : this.#givenNames(sex),
        familyName,
        formerFamilyNames: !unborn && this.#chance(formerRate) ? this.#formerNames(familyName) : [],
        dateOfBirth,
        address: this.#chance(RATES.noKnownAddress) ? { kind: 'no_known_address' } : this.#address(council),
        nhsNumber: unborn || this.#chance(RATES.missingNhsNumber) ? null : this.#nhsNumber(),
      },
    };
  }

  #sibling(seq: number, previous: GeneratedChild): GeneratedChild {
    const child = this.#newChild(seq);
    if (child.unborn) {
      this.#newFamily(child);
      return child;
    }
    child.councilCode = previous.councilCode;
    child.identity.familyName = previous.identity.familyName;
    child.identity.address = previous.identity.address;
    // Same household: the same parents or carers and the earlier homes since this child was born
    // (a care leaver's younger sibling has parents of its own, a child in care its foster carer).
    if (previous.identity.parentsCarers && livesWith(child) === livesWith(previous)) {
      child.identity.parentsCarers = previous.identity.parentsCarers;
      const earlier = sinceBirth(previous.identity.previousAddresses ?? [], child.identity.dateOfBirth);
      if (earlier.length > 0) child.identity.previousAddresses = earlier;
    } else {
      this.#details.addFamily(child, this.#details.dice(child.id));
    }
    child.shielded = previous.shielded;
    if (previous.shield) child.shield = { ...previous.shield };
    child.siblingOf = { id: previous.id, seq: previous.seq };
    return child;
  }

  /** Parents, carers and earlier addresses for a child of a new household, and its shield if shielded. */
  #newFamily(child: GeneratedChild): void {
    const dice = this.#details.dice(child.id);
    this.#details.addFamily(child, dice);
    if (child.shielded) child.shield = this.#details.shield(child, dice);
  }

  #twin(seq: number, first: GeneratedChild): GeneratedChild {
    const sex = this.#sex(false);
    const firstGiven = first.identity.givenNames?.split(' ')[0];
    let givenNames = this.#givenNames(sex);
    for (let tries = 0; givenNames.split(' ')[0] === firstGiven && tries < 10; tries++) givenNames = this.#givenNames(sex);
    return {
      ...first,
      seq,
      id: this.#id(seq),
      sex,
      identity: { ...first.identity, givenNames, nhsNumber: this.#chance(RATES.missingNhsNumber) ? null : this.#nhsNumber() },
      twinOf: { id: first.id, seq: first.seq },
      siblingOf: undefined,
    } satisfies GeneratedChild;
  }

  /**
   * The same child as recorded by another agency (police, health, a school): a new record with
   * one or two realistic differences and no knowledge of the shield, which is exactly how
   * ContactPoint's duplicates undid shielding. Matching must find these and carry the shield over.
   */
  #duplicate(seq: number): GeneratedChild {
    const original = this.#recentShielded.length > 0 && this.#chance(0.06) ? this.#pick(this.#recentShielded) : this.#pick(this.#recent);
    const identity: ChildIdentity = agencyView(original.identity);
    let councilCode = original.councilCode;
    const variations: DuplicateVariation[] = [];
    const wanted = this.#chance(0.35) ? 2 : 1;
    const options: DuplicateVariation[] = ['given_name_typo', 'nickname', 'dob_day_month_swap', 'family_name_changed', 'nhs_number_missing', 'address_moved'];
    for (let tries = 0; variations.length < wanted && tries < 12; tries++) {
      const variation = this.#pick(options);
      if (variations.includes(variation) || !this.#vary(identity, variation, original)) continue;
      variations.push(variation);
      if (variation === 'address_moved' && this.#chance(0.3)) {
        // Moved to another council's area: the new council holds the record.
        const council = this.#pick(this.#councils);
        councilCode = council.code;
        identity.address = this.#address(council);
      }
    }
    if (variations.length === 0) {
      identity.nhsNumber = null;
      variations.push('nhs_number_missing');
    }
    const given = identity.givenNames?.split(' ') ?? [];
    if (given.length > 1 && this.#chance(0.5)) {
      identity.givenNames = given[0]!;
      variations.push('middle_names_dropped');
    }
    // Unborn children and care leavers come into view through their own routes, not an agency's.
    const recordTrigger = original.unborn || original.recordTrigger === 'care_leaver' ? original.recordTrigger : this.#weighted(AGENCY_TRIGGERS);
    const duplicate: GeneratedChild = {
      seq,
      id: this.#id(seq),
      councilCode,
      recordTrigger,
      triggerDate: this.#triggerDate(recordTrigger, identity.dateOfBirth),
      sex: original.sex,
      unborn: original.unborn,
      shielded: false,
      identity,
      identifiers: [],
      duplicateOf: { id: original.id, seq: original.seq, variations },
    };
    // Which agency's system fed it, by its own id; and a shield follows the child to it.
    duplicate.identifiers = [this.#details.sourceIdentifier(duplicate, this.#details.dice(duplicate.id))];
    if (original.shield) duplicate.shield = this.#details.followedShield(original.shield, duplicate);
    return duplicate;
  }

  /** Applies one variation; false when it cannot apply to this child (then another is tried). */
  #vary(identity: ChildIdentity, variation: DuplicateVariation, original: GeneratedChild): boolean {
    const [first, ...middle] = identity.givenNames?.split(' ') ?? [];
    switch (variation) {
      case 'given_name_typo': {
        if (!first || first.length < 4) return false;
        identity.givenNames = [this.#typo(first), ...middle].join(' ');
        return true;
      }
      case 'nickname': {
        const nicknames = first ? NICKNAMES[first] : undefined;
        if (!nicknames) return false;
        identity.givenNames = [this.#pick(nicknames), ...middle].join(' ');
        return true;
      }
      case 'dob_day_month_swap': {
        const [year, month, day] = identity.dateOfBirth.split('-') as [string, string, string];
        if (Number(day) > 12 || day === month || original.unborn) return false;
        identity.dateOfBirth = `${year}-${day}-${month}`;
        return true;
      }
      case 'family_name_changed':
        identity.familyName = this.#familyName();
        return identity.familyName !== original.identity.familyName;
      case 'nhs_number_missing':
        if (identity.nhsNumber === null) return false;
        identity.nhsNumber = null;
        return true;
      case 'address_moved': {
        const council = this.#councils.find((c) => c.code === original.councilCode) ?? this.#pick(this.#councils);
        identity.address = this.#address(council);
        return true;
      }
      case 'middle_names_dropped':
        return false;
    }
  }

  // ---- parts ----

  #remember(child: GeneratedChild): void {
    if (this.#recent.length < RECENT_WINDOW) this.#recent.push(child);
    else this.#recent[child.seq % RECENT_WINDOW] = child;
    if (child.shielded) {
      this.#recentShielded.push(child);
      if (this.#recentShielded.length > 64) this.#recentShielded.shift();
    }
  }

  #id(seq: number): string {
    return demoChildId(this.#seed, seq);
  }

  #sex(unborn: boolean): Sex {
    const r = this.#faker.number.float();
    if (unborn) return r < 0.8 ? 'unknown' : r < 0.9 ? 'male' : 'female';
    return r < 0.506 ? 'male' : r < 0.997 ? 'female' : r < 0.9995 ? 'unknown' : 'indeterminate';
  }

  /** Younger children are over-represented in child protection work. */
  #childAge(): number {
    const r = this.#faker.number.float();
    if (r < 0.08) return 0;
    if (r < 0.3) return this.#int(1, 4);
    if (r < 0.58) return this.#int(5, 9);
    if (r < 0.88) return this.#int(10, 15);
    return this.#int(16, 17);
  }

  #dobForAge(age: number): CalendarDate {
    let span = this.#ageSpans.get(age);
    if (!span) {
      // Aged exactly `age` today: born after the day (age + 1) years ago, on or before the day age years ago.
      const earliest = addDays(addYears(this.#today, -(age + 1)), 1);
      span = { earliest: dayNumber(earliest), days: daysBetween(earliest, addYears(this.#today, -age)) };
      this.#ageSpans.set(age, span);
    }
    return fromDayNumber(span.earliest + this.#int(0, span.days));
  }

  #triggerFor(dateOfBirth: CalendarDate): RecordTrigger {
    const trigger = this.#weighted(TRIGGERS_UNDER_18);
    // Operation Encompass notifications go to schools: not for children under four.
    if (trigger === 'operation_encompass' && dateOfBirth > this.#fourYearsAgo) return 'contact_referral_accepted';
    return trigger;
  }

  /** Within the last three years, never before birth, and for care leavers not before 18. */
  #triggerDate(trigger: RecordTrigger, dateOfBirth: CalendarDate): CalendarDate {
    const today = dayNumber(this.#today);
    if (trigger === 'unborn_child_protection_plan') return fromDayNumber(today - this.#int(0, 120));
    const floor = trigger === 'care_leaver' ? addYears(dateOfBirth, 18) : dateOfBirth;
    const earliest = Math.max(this.#threeYearsAgo, dayNumber(floor));
    if (earliest > today) return this.#today;
    return fromDayNumber(earliest + this.#int(0, today - earliest));
  }

  #givenName(female: boolean): string {
    if (this.#chance(RATES.rareName)) return this.#faker.person.firstName(female ? 'female' : 'male');
    return this.#skewed(female ? GIRLS_NAMES : BOYS_NAMES);
  }

  #givenNames(sex: Sex): string {
    // A child recorded with sex unknown or indeterminate still gets a consistent set of names.
    const female = sex === 'female' || (sex !== 'male' && this.#chance(0.5));
    const first = this.#givenName(female);
    if (!this.#chance(RATES.middleNames)) return first;
    let middle = this.#givenName(female);
    if (middle === first) middle = this.#givenName(female);
    return middle === first ? first : `${first} ${middle}`;
  }

  #familyName(): string {
    const one = () => (this.#chance(RATES.rareName) ? this.#faker.person.lastName() : this.#skewed(FAMILY_NAMES));
    const name = one();
    if (!this.#chance(RATES.doubleBarrelled)) return name;
    const other = one();
    return other === name || name.includes('-') || other.includes('-') ? name : `${name}-${other}`;
  }

  #formerNames(current: string): string[] {
    const names = [this.#familyName()];
    if (this.#chance(0.2)) names.push(this.#familyName());
    return [...new Set(names)].filter((n) => n !== current);
  }

  #address(council: DemoCouncil): ChildAddress {
    const street = `${this.#pick(STREET_STEMS)} ${this.#pick(STREET_KINDS)}`;
    const house = `${this.#int(1, 220)}${this.#chance(0.04) ? 'a' : ''} ${street}`;
    const lines = this.#chance(0.15) ? [`Flat ${this.#int(1, 24)}`, house] : [house];
    return { kind: 'known', lines, town: council.town, postcode: this.#postcode(council) };
  }

  #postcode(council: DemoCouncil): string {
    const area = this.#pick(council.postcodeAreas);
    const district = this.#pick(DISTRICTS[area] ?? range(1, 20));
    const unit = UNIT_LETTERS[this.#int(0, UNIT_LETTERS.length - 1)]! + UNIT_LETTERS[this.#int(0, UNIT_LETTERS.length - 1)]!;
    return `${area}${district} ${this.#int(1, 9)}${unit}`;
  }

  /** The next unused test-range NHS number, or null once the range is used up (about 909k). */
  #nhsNumber(): string | null {
    while (this.#nhsCounter < PREFIXES) {
      const k = this.#nhsCounter++;
      const prefix = TEST_RANGE_FIRST + ((k * PREFIX_STRIDE + this.#prefixOffset) % PREFIXES);
      if (prefix >= WALKTHROUGH_NHS_PREFIX_FROM) continue;
      const full = completeNhsNumber(String(prefix));
      if (full !== null) return full;
    }
    return null;
  }

  /** A typing slip: two letters swapped, one dropped, one doubled, or one vowel changed. */
  #typo(name: string): string {
    const i = this.#int(1, name.length - 2);
    const dropped = name.slice(0, i) + name.slice(i + 1);
    let typo: string;
    switch (this.#int(0, 3)) {
      case 0: typo = name.slice(0, i) + name[i + 1]! + name[i]! + name.slice(i + 2); break;
      case 1: typo = dropped; break;
      case 2: typo = name.slice(0, i) + name[i]! + name.slice(i); break;
      default: {
        const vowels = 'aeiouy';
        typo = name.slice(0, i) + vowels[(vowels.indexOf(name[i]!.toLowerCase()) + 1 + this.#int(0, 4)) % vowels.length]! + name.slice(i + 1);
      }
    }
    // Swapping the two t's of "Charlotte" changes nothing: then drop a letter instead.
    return typo === name ? dropped : typo;
  }

  // ---- randomness, all from the one seeded faker so the stream is reproducible ----

  #chance(p: number): boolean {
    return this.#faker.number.float() < p;
  }

  #int(min: number, max: number): number {
    return this.#faker.number.int({ min, max });
  }

  #pick<T>(list: readonly T[]): T {
    return list[this.#int(0, list.length - 1)]!;
  }

  /** Favours the front of a list ordered by frequency, giving a long-tailed spread of names. */
  #skewed<T>(list: readonly T[]): T {
    return list[Math.floor(list.length * this.#faker.number.float() ** 2.2)]!;
  }

  #weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let r = this.#faker.number.float() * total;
    for (const [value, weight] of choices) {
      if ((r -= weight) < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }
}

/** Who a child lives with, for siblings: only two children alike share their carers. */
function livesWith(child: GeneratedChild): 'family' | 'foster carer' | 'self' {
  return child.recordTrigger === 'care_leaver' ? 'self' : child.recordTrigger === 'looked_after' ? 'foster carer' : 'family';
}

/** A household's earlier addresses as a child born on `dateOfBirth` knew them. */
function sinceBirth(addresses: readonly PreviousAddress[], dateOfBirth: CalendarDate): PreviousAddress[] {
  return addresses
    .filter((a) => a.to !== null && a.to > dateOfBirth)
    .map((a) => (a.from !== null && a.from < dateOfBirth ? { ...a, from: null } : a));
}

/** The id of the child at `seq` in the stream for `seed`: a UUID (version 4 layout) from SHA-256. */
export function demoChildId(seed: number, seq: number): string {
  const h = createHash('sha256').update(`signpost-demo-child:${seed}:${seq}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** Days since 1970-01-01 for a calendar date, for cheap arithmetic on many dates. */
function dayNumber(date: CalendarDate): number {
  return Math.round(toUtcDate(date).getTime() / 86_400_000);
}

function fromDayNumber(day: number): CalendarDate {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
