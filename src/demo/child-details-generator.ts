import type { ChildAddress, ChildIdentity, LinkedIdentifier, ParentCarer, PreviousAddress, RecordTrigger } from '../children/child-identity.js';
import { upnCheckLetter } from '../children/upn.js';
import { addYears, type CalendarDate } from '../platform/time/calendar-date.js';
import { FAMILY_NAMES, MEN_NAMES, POSTCODE_DISTRICTS, POSTCODE_UNIT_LETTERS, range, STREET_KINDS, STREET_STEMS, WOMEN_NAMES } from './children-names.js';
import { demoEstablishmentNumber, demoSchoolNumber, SCHOOLS_PER_COUNCIL, type DemoCouncil } from './demo-directory.js';

/**
 * The rest of a synthetic child record (DOMAIN §3–§4): parents and carers, earlier addresses,
 * linked identifiers and the shield. Each child's details come from its own small random stream,
 * seeded from its id, so they cost little and leave the main generator's stream (names, dates of
 * birth, duplicates) exactly as it was.
 */

/** A shield as the responsible council recorded it, or as it followed the child to a near-duplicate. */
export interface DemoShield {
  councilCode: string;
  reason: string;
  decidedBy: string;
  decidedOn: CalendarDate;
  reviewOn: CalendarDate;
}

/** The systems other agencies feed near-duplicate records from (the `source_system` issuer). */
export const DEMO_SOURCE_SYSTEMS = {
  healthVisiting: { system: 'health-visiting-system', prefix: 'HV' },
  schoolMis: { system: 'school-mis', prefix: 'MIS' },
  schoolNursing: { system: 'school-nursing-system', prefix: 'SN' },
  gp: { system: 'gp-clinical-system', prefix: 'GPC' },
  maternity: { system: 'maternity-system', prefix: 'MAT' },
  police: { system: 'police-case-system', prefix: 'PCS' },
  housing: { system: 'housing-system', prefix: 'HSG' },
} as const;

/** Who a council's shield decisions are made by (DOMAIN §4: a decision-maker is recorded). */
const SHIELD_DECIDERS = [
  'Head of Children\'s Social Care',
  'Head of Service, Safeguarding and Quality Assurance',
  'Service Manager, Children\'s Social Care',
] as const;

/** Why the location must not be learnt; sealed under the child's key, never shown to non-holders. */
const SHIELD_REASONS = [
  'Child and mother are in refuge accommodation after domestic abuse; the father is actively seeking their address.',
  'Placed for adoption: the birth family must not learn where the child now lives.',
  'Court order restricts disclosure of the child\'s address to a named relative who poses a risk of abduction.',
  'Risk of forced marriage: extended family members are trying to find the young person.',
  'A person convicted of offences against children is seeking contact; police advise the location is withheld.',
  'Family moved under a police witness-protection arrangement.',
] as const;

/** What a near-duplicate's shield says: it followed the child, as ChildRecordsService does for a likely match. */
export const FOLLOWED_SHIELD = {
  decidedBy: 'Signpost: shield follows a likely match',
  reason: 'Shield followed from a likely matching record; the responsible council will review it',
} as const;

/** Rates for the details, chosen to look like a council's caseload. */
export const DETAIL_RATES = {
  previousAddress: 0.18,
  /** Looked-after children and care leavers have usually lived in more than one place. */
  previousAddressInCare: 0.5,
  secondCarer: 0.55,
  loneFather: 0.08,
  birthMotherListedInCare: 0.65,
  carerEmail: 0.25,
} as const;

// Distinct values per record: k ↦ k·stride mod 10^7 visits every 7-digit value once (stride coprime with 10).
const ID_SPACE = 10_000_000;
const COUNCIL_ID_STRIDE = 3_141_593;
const SOURCE_ID_STRIDE = 2_718_281;
/** UPN serials 001–998 go to generated children; 999 is kept for the walkthrough's children. */
const MAX_GENERATED_UPN_SERIAL = 998;

/** A small, fast, seedable generator (SFC32) for one child's details. */
export class Dice {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.#a = a; this.#b = b; this.#c = c; this.#d = d;
    for (let i = 0; i < 8; i++) this.float();
  }

  /** A stream from a child's id (a UUID built from a hash, so its bits are already well mixed). */
  static forChild(childId: string, salt: number): Dice {
    const hex = childId.replace(/-/g, '');
    const word = (i: number) => Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
    return new Dice(word(0) ^ salt, word(1), word(2), word(3));
  }

  float(): number {
    const a = this.#a | 0, b = this.#b | 0, c = this.#c | 0, d = this.#d | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  int(min: number, max: number): number {
    return max <= min ? min : min + Math.floor(this.float() * (max - min + 1));
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(0, list.length - 1)]!;
  }

  /** Favours the front of a list ordered by frequency. */
  skewed<T>(list: readonly T[]): T {
    return list[Math.floor(list.length * this.float() ** 2)]!;
  }
}

/** The facts of a generated record its details depend on. */
export interface DetailsInput {
  seq: number;
  id: string;
  councilCode: string;
  recordTrigger: RecordTrigger;
  triggerDate: CalendarDate;
  unborn: boolean;
  identity: ChildIdentity;
}

/**
 * Details for one stream of children. Stateful only where real systems are: a school allocates
 * UPN serials in order, so the same stream always gives the same numbers.
 */
export class ChildDetails {
  readonly #councils: readonly DemoCouncil[];
  readonly #byCode: Map<string, DemoCouncil>;
  readonly #today: CalendarDate;
  readonly #todayDay: number;
  readonly #fiveYearsAgo: CalendarDate;
  readonly #eighteenYearsAgo: CalendarDate;
  readonly #idOffset: number;
  readonly #salt: number;
  readonly #upnSerials = new Map<string, number>();
  readonly #schoolPrefixes = new Map<string, string>();

  constructor(options: { seed: number; today: CalendarDate; councils: readonly DemoCouncil[] }) {
    this.#councils = options.councils;
    this.#byCode = new Map(options.councils.map((c) => [c.code, c]));
    this.#today = options.today;
    this.#todayDay = dayNumber(options.today);
    this.#fiveYearsAgo = addYears(options.today, -5);
    this.#eighteenYearsAgo = addYears(options.today, -18);
    this.#idOffset = Math.abs(Math.imul(options.seed, 2_654_435_761)) % ID_SPACE;
    this.#salt = Math.imul(options.seed, 0x9e3779b9);
  }

  dice(childId: string): Dice {
    return Dice.forChild(childId, this.#salt);
  }

  // ---- parents, carers and earlier addresses ----

  /** Adds parents and carers and, for some, earlier addresses to a new child's identity. */
  addFamily(child: DetailsInput, dice: Dice): void {
    const carers = this.#carers(child, dice);
    if (carers.length > 0) child.identity.parentsCarers = carers;
    const previous = this.#previousAddresses(child, dice);
    if (previous.length > 0) child.identity.previousAddresses = previous;
  }

  #carers(child: DetailsInput, dice: Dice): ParentCarer[] {
    // A care leaver is an adult: nobody holds parental responsibility for them.
    if (child.recordTrigger === 'care_leaver') return [];
    const council = this.#council(child.councilCode);
    const own = child.identity.familyName;
    if (child.unborn) {
      // Parental responsibility begins at birth.
      const carers = [this.#person(council, dice, true, this.#surname(own, dice), 'expectant mother', false)];
      if (dice.chance(0.5)) carers.push(this.#person(council, dice, false, this.#surname(own, dice), 'expectant father', false));
      return carers;
    }
    if (child.recordTrigger === 'looked_after') {
      // The council shares parental responsibility with the parents under a care order; foster carers hold none.
      const carers = [this.#person(council, dice, dice.chance(0.7), dice.skewed(FAMILY_NAMES), 'foster carer', false)];
      if (dice.chance(DETAIL_RATES.birthMotherListedInCare)) {
        const mother = this.#person(council, dice, true, this.#surname(own, dice), 'mother', true);
        if (dice.chance(0.5)) mother.phone = null;
        carers.push(mother);
      }
      return carers;
    }
    const loneFather = dice.chance(DETAIL_RATES.loneFather);
    const carers = [loneFather ? this.#person(council, dice, false, own, 'father', true) : this.#person(council, dice, true, this.#surname(own, dice), 'mother', true)];
    if (!loneFather && dice.chance(DETAIL_RATES.secondCarer)) {
      const roll = dice.float();
      if (roll < 0.7) carers.push(this.#person(council, dice, false, this.#surname(own, dice), 'father', dice.chance(0.85)));
      else if (roll < 0.85) carers.push(this.#person(council, dice, true, dice.skewed(FAMILY_NAMES), 'grandmother', dice.chance(0.25)));
      else carers.push(this.#person(council, dice, false, dice.skewed(FAMILY_NAMES), 'stepfather', false));
    }
    return carers;
  }

  /** Mostly the child's own family name; sometimes another (a parent who kept or changed theirs). */
  #surname(own: string, dice: Dice): string {
    return dice.chance(0.75) ? own : dice.skewed(FAMILY_NAMES);
  }

  #person(council: DemoCouncil, dice: Dice, female: boolean, familyName: string, relationship: string, hasParentalResponsibility: boolean): ParentCarer {
    const given = dice.skewed(female ? WOMEN_NAMES : MEN_NAMES);
    return { name: `${given} ${familyName}`, relationship, hasParentalResponsibility, phone: this.#phone(council, dice), email: this.#email(given, familyName, dice) };
  }

  /** Ofcom's drama ranges: 07700 900xxx mobiles, or the council area's 0113 496 0xxx style landlines. */
  #phone(council: DemoCouncil, dice: Dice): string | null {
    const roll = dice.float();
    if (roll < 0.8) return `07700 900${pad(dice.int(0, 999), 3)}`;
    // 500–989: clear of the directory's numbers (100–499 and 999).
    if (roll < 0.9) return `${council.phonePrefix}${String(dice.int(500, 989))}`;
    return null;
  }

  #email(given: string, familyName: string, dice: Dice): string | null {
    if (!dice.chance(DETAIL_RATES.carerEmail)) return null;
    const local = `${given}.${familyName}`.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z.]/g, '');
    return `${local}${dice.chance(0.3) ? String(dice.int(1, 99)) : ''}@mail.demo.test`;
  }

  #previousAddresses(child: DetailsInput, dice: Dice): PreviousAddress[] {
    if (child.unborn) return [];
    const rate = child.recordTrigger === 'looked_after' || child.recordTrigger === 'care_leaver' ? DETAIL_RATES.previousAddressInCare : DETAIL_RATES.previousAddress;
    if (!dice.chance(rate)) return [];
    const born = dayNumber(child.identity.dateOfBirth);
    const earliest = Math.max(born + 60, this.#todayDay - 6 * 365);
    if (earliest >= this.#todayDay - 30) return [];
    const out: PreviousAddress[] = [];
    let to = dice.int(earliest, this.#todayDay - 30);
    const count = dice.chance(0.25) ? 2 : 1;
    for (let i = 0; i < count && to > born; i++) {
      const from = Math.max(born, to - dice.int(200, 1500));
      const council = dice.chance(0.85) ? this.#council(child.councilCode) : dice.pick(this.#councils);
      // An earlier start is often not known, especially for the oldest address.
      out.push({ address: this.#address(council, dice), from: dice.chance(0.15) || from === born ? null : fromDayNumber(from), to: fromDayNumber(to) });
      to = from;
    }
    return out;
  }

  #address(council: DemoCouncil, dice: Dice): ChildAddress {
    const street = `${dice.pick(STREET_STEMS)} ${dice.pick(STREET_KINDS)}`;
    const house = `${String(dice.int(1, 220))} ${street}`;
    const lines = dice.chance(0.2) ? [`Flat ${String(dice.int(1, 24))}`, house] : [house];
    const area = dice.pick(council.postcodeAreas);
    const district = dice.pick(POSTCODE_DISTRICTS[area] ?? range(1, 20));
    const unit = POSTCODE_UNIT_LETTERS[dice.int(0, POSTCODE_UNIT_LETTERS.length - 1)]! + POSTCODE_UNIT_LETTERS[dice.int(0, POSTCODE_UNIT_LETTERS.length - 1)]!;
    return { kind: 'known', lines, town: council.town, postcode: `${area}${String(district)} ${String(dice.int(1, 9))}${unit}` };
  }

  // ---- the shield ----

  /** A council's shield decision, within the last eleven months, due for review within a year. */
  shield(child: DetailsInput, dice: Dice): DemoShield {
    const decided = Math.min(this.#todayDay, Math.max(dayNumber(child.triggerDate), this.#todayDay - dice.int(0, 330)));
    return {
      councilCode: child.councilCode,
      reason: dice.pick(SHIELD_REASONS),
      decidedBy: dice.pick(SHIELD_DECIDERS),
      decidedOn: fromDayNumber(decided),
      reviewOn: fromDayNumber(decided + dice.int(335, 365)),
    };
  }

  /** The shield a near-duplicate takes from the shielded child it is: same council, same review date. */
  followedShield(original: DemoShield, duplicate: DetailsInput): DemoShield {
    const decidedOn = minDate(this.#today, maxDate(duplicate.triggerDate, original.decidedOn));
    return { councilCode: original.councilCode, ...FOLLOWED_SHIELD, decidedOn, reviewOn: maxDate(original.reviewOn, decidedOn) };
  }

  // ---- linked identifiers ----

  /**
   * A UPN for a school-age child (allocated by the school it attends in its council's area, in
   * the year it started school) and the council's own child id where the council works with the
   * child (every trigger but an Operation Encompass notification).
   */
  identifiers(child: DetailsInput): LinkedIdentifier[] {
    const out: LinkedIdentifier[] = [];
    const dob = child.identity.dateOfBirth;
    if (!child.unborn && child.recordTrigger !== 'care_leaver' && dob <= this.#fiveYearsAgo && dob > this.#eighteenYearsAgo) {
      const upn = this.#upn(child);
      if (upn) out.push(upn);
    }
    if (child.recordTrigger !== 'operation_encompass') {
      out.push({ kind: 'council_child_id', issuer: child.councilCode, value: this.#sevenDigits(child.seq, COUNCIL_ID_STRIDE), validFrom: child.triggerDate, validTo: null });
    }
    return out;
  }

  #upn(child: DetailsInput): LinkedIdentifier | null {
    const council = this.#council(child.councilCode);
    const [year, month] = child.identity.dateOfBirth.split('-').map(Number) as [number, number];
    // Reception starts in the September after the fourth birthday.
    const entry = month >= 9 ? year + 5 : year + 4;
    const first = demoSchoolNumber(child.id);
    for (let i = 0; i < SCHOOLS_PER_COUNCIL; i++) {
      const school = ((first - 1 + i) % SCHOOLS_PER_COUNCIL) + 1;
      const key = `${this.#schoolPrefix(council, school)}${pad(entry % 100, 2)}`;
      const serial = (this.#upnSerials.get(key) ?? 0) + 1;
      if (serial > MAX_GENERATED_UPN_SERIAL) continue;
      this.#upnSerials.set(key, serial);
      const rest = `${key}${pad(serial, 3)}`;
      return { kind: 'upn', issuer: '', value: `${upnCheckLetter(rest)}${rest}`, validFrom: `${String(entry)}-09-01`, validTo: null };
    }
    return null;
  }

  /** LA number and establishment number: the first seven digits a school's UPNs share. */
  #schoolPrefix(council: DemoCouncil, school: number): string {
    const key = `${council.code}${String(school)}`;
    let prefix = this.#schoolPrefixes.get(key);
    if (prefix === undefined) {
      prefix = `${council.laNumber}${demoEstablishmentNumber(council, school)}`;
      this.#schoolPrefixes.set(key, prefix);
    }
    return prefix;
  }

  /** The id the feeding agency's own system gives a near-duplicate record. */
  sourceIdentifier(duplicate: DetailsInput, dice: Dice): LinkedIdentifier {
    const source = this.#sourceSystem(duplicate, dice);
    return { kind: 'source_system', issuer: source.system, value: `${source.prefix}${this.#sevenDigits(duplicate.seq, SOURCE_ID_STRIDE)}`, validFrom: duplicate.triggerDate, validTo: null };
  }

  #sourceSystem(duplicate: DetailsInput, dice: Dice): { system: string; prefix: string } {
    const s = DEMO_SOURCE_SYSTEMS;
    if (duplicate.unborn) return s.maternity;
    if (duplicate.recordTrigger === 'operation_encompass') return s.police;
    if (duplicate.recordTrigger === 'care_leaver') return s.housing;
    if (duplicate.identity.dateOfBirth > this.#fiveYearsAgo) return dice.chance(0.8) ? s.healthVisiting : s.gp;
    const roll = dice.float();
    return roll < 0.6 ? s.schoolMis : roll < 0.8 ? s.schoolNursing : s.gp;
  }

  #sevenDigits(seq: number, stride: number): string {
    return pad((seq * stride + this.#idOffset) % ID_SPACE, 7);
  }

  #council(code: string): DemoCouncil {
    const council = this.#byCode.get(code);
    if (!council) throw new RangeError(`unknown demo council ${code}`);
    return council;
  }
}

/** The identity a near-duplicate carries from the original: another agency knows one carer at most and no earlier addresses. */
export function agencyView(identity: ChildIdentity): ChildIdentity {
  const view: ChildIdentity = { ...identity, formerFamilyNames: [] };
  delete view.previousAddresses;
  delete view.parentsCarers;
  const first = identity.parentsCarers?.[0];
  if (first) view.parentsCarers = [first];
  return view;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function maxDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a > b ? a : b;
}

function minDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a < b ? a : b;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date the generator made (so already valid). */
function dayNumber(date: CalendarDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
}

function fromDayNumber(day: number): CalendarDate {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
