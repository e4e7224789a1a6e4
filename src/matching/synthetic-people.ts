import type { RawPerson } from './match-record.js';
import { seededRandom } from './random.js';

/**
 * A small seeded population for tests: distinct people, some recorded twice with the stress cases
 * that public test sets barely contain (nickname, day↔month swap, surname change, address move,
 * missing identifier), and sets of twins who must stay apart.
 */
const GIVEN = ['oliver', 'amelia', 'george', 'isla', 'harry', 'ava', 'noah', 'mia', 'jack', 'ivy', 'leo', 'freya', 'oscar', 'lily', 'charlie', 'grace', 'arthur', 'ella', 'henry', 'evie', 'thomas', 'ruby', 'alfie', 'daisy', 'jacob', 'sophia', 'theo', 'rosie', 'archie', 'poppy'];
const FAMILY = ['smith', 'jones', 'taylor', 'brown', 'williams', 'wilson', 'johnson', 'davies', 'patel', 'wright', 'robinson', 'thompson', 'evans', 'walker', 'white', 'roberts', 'green', 'hall', 'thomas', 'clarke', 'okafor', 'nowak', 'kowalski', 'murphy', 'oconnor', 'hughes', 'edwards', 'khan', 'ali', 'begum'];
const STREETS = ['mill lane', 'church road', 'station road', 'park avenue', 'high street', 'victoria road', 'green lane', 'manor way'];
const DISTRICTS = ['LS6', 'LS7', 'M14', 'B15', 'NE4', 'BS3', 'CF24', 'SW9'];

export interface SyntheticPerson extends RawPerson {
  person: string;
}

export function syntheticPeople(count: number, seed = 7): SyntheticPerson[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const out: SyntheticPerson[] = [];
  for (let p = 0; p < count; p += 1) {
    const given = pick(GIVEN);
    const family = pick(FAMILY);
    const dob = `${2008 + Math.floor(random() * 10)}-${pad(1 + Math.floor(random() * 12))}-${pad(1 + Math.floor(random() * 28))}`;
    const postcode = `${pick(DISTRICTS)} ${1 + Math.floor(random() * 9)}${pick(['AB', 'DQ', 'XR', 'TZ'])}`;
    const address = `${1 + Math.floor(random() * 200)} ${pick(STREETS)}`;
    const sex = GIVEN.indexOf(given) % 2 === 0 ? 'M' : 'F';
    const nhs = String(4_000_000_000 + Math.floor(random() * 999_999_999));
    out.push({ person: `p${p}`, given_name: given, family_name: family, dob, sex, postcode, address, identifier: nhs });
  }
  return out;
}
