import { completeNhsNumber } from '../../src/children/nhs-number.js';
import { randomUUID } from 'node:crypto';
import type { ChildRecordInput } from '../../src/children/child-record-input.js';
import type { Child, ChildIdentity } from '../../src/children/child-identity.js';
import { upnCheckLetter } from '../../src/children/upn.js';
import type { Viewer } from '../../src/access/viewer.js';
import type { TestApp } from '../build-test-app.js';

let sequence = 0;

/** A new home for a child already known elsewhere: a record after a move, for matching tests. */
export const MOVED = { address: { lines: ['3 Mill Lane'], town: 'Bradford', postcode: 'BD1 2XY' } };

/** A valid NHS number in the 999 test range, different on every call. */
export function aTestNhsNumber(): string {
  for (;;) {
    sequence += 1;
    const nhs = completeNhsNumber(String(999_000_000 + ((sequence * 7919) % 999_999)));
    if (nhs) return nhs;
  }
}

/** A valid UPN, different on every call. */
export function aTestUpn(): string {
  sequence += 1;
  const rest = `80120${String(2600000 + sequence).slice(-7)}`;
  return upnCheckLetter(rest) + rest;
}

/**
 * A child record as an agency or the create page sends it. Named states keep tests readable:
 * `unborn`, `no-address`; everything can be overridden.
 */
export function aChildRecordInput(councilCode: string, overrides: Partial<ChildRecordInput> = {}, state: 'born' | 'unborn' | 'no-address' = 'born'): ChildRecordInput {
  const base: ChildRecordInput = {
    givenNames: 'Oliver James',
    familyName: 'Thistlewood',
    formerFamilyNames: [],
    dateOfBirth: '2016-04-12',
    sex: 'male',
    nhsNumber: null,
    address: { lines: ['14 Canal Street'], town: 'Leeds', postcode: 'LS1 4AB' },
    recordTrigger: 'child_in_need',
    triggerDate: '2026-09-01',
    responsibleCouncilCode: councilCode,
    parentsCarers: [{ name: 'Sarah Thistlewood', relationship: 'mother', hasParentalResponsibility: true, phone: '0113 496 0555', email: null }],
  };
  if (state === 'unborn') Object.assign(base, { unborn: true, givenNames: null, dateOfBirth: '2027-03-01', sex: 'unknown', recordTrigger: 'unborn_child_protection_plan' });
  if (state === 'no-address') Object.assign(base, { address: null, noKnownAddress: true });
  return { ...base, ...overrides };
}

/** A child as the children service stores it (no record around it), for tests of the index itself. */
export function aStoredChild(councilId: string, identity: Partial<ChildIdentity> = {}): Child {
  return {
    id: randomUUID(), responsibleCouncilId: councilId, recordTrigger: 'child_in_need', triggerDate: '2026-09-01', sex: 'male', unborn: false, shielded: false,
    identity: {
      givenNames: 'Arlo', familyName: 'Tennant', formerFamilyNames: [], dateOfBirth: '2013-06-04', nhsNumber: null,
      address: { kind: 'known', lines: ['4 Mill Street'], town: 'Leeds', postcode: 'LS2 7EY' }, ...identity,
    },
  };
}

/** The organisation's code, for inputs that name a council by code. */
export async function councilCodeOf(t: TestApp, organisationId: string): Promise<string> {
  const orgs = await t.services.organisations.list({ kind: 'council', limit: 500, offset: 0 });
  const found = orgs.find((o) => o.id === organisationId);
  if (!found) throw new Error('no such council');
  return found.code;
}

/** Creates a child through the service as a practitioner would (after seeing any likely matches). */
export async function aChild(t: TestApp, viewer: Viewer, input: ChildRecordInput): Promise<string> {
  const matches = await t.services.childRecords.likelyMatches({
    givenNames: input.givenNames ?? null, familyName: input.familyName ?? '', dateOfBirth: input.dateOfBirth ?? '', nhsNumber: input.nhsNumber ?? null,
  });
  const { childId } = await t.services.childRecords.create(viewer, input, { reviewedMatches: matches.map((m) => m.childId), requestId: null });
  return childId;
}

const DISTINCT_GIVEN = ['Abel', 'Bryony', 'Caspian', 'Delphine', 'Ezra', 'Florence', 'Gideon', 'Hester', 'Ignatius', 'Juno', 'Kasimir', 'Lavinia', 'Magnus', 'Nerys', 'Orson', 'Philippa', 'Quentin', 'Rhiannon', 'Silas', 'Tamsin'];
const DISTINCT_FAMILY = ['Abernethy', 'Blackwood', 'Cresswell', 'Dunmore', 'Eversleigh', 'Fairweather', 'Gallagher', 'Hawthorne', 'Inglewood', 'Jellicoe', 'Kilbride', 'Lockhart', 'Mountjoy', 'Nightingale', 'Ormerod', 'Pendleton', 'Quartermaine', 'Rutherford', 'Stainforth', 'Tregothnan'];

/**
 * Identity fields for the n-th of many clearly different children (different given and family
 * names, dates of birth and homes), for tests that create several children through a feed: the
 * online matcher links a record that looks like a child already known, so near-identical test
 * children would be linked, as they should be.
 */
export function aDistinctIdentity(n: number): Pick<ChildRecordInput, 'givenNames' | 'familyName' | 'dateOfBirth' | 'address'> {
  const given = DISTINCT_GIVEN[n % DISTINCT_GIVEN.length]!;
  const family = DISTINCT_FAMILY[Math.floor(n / DISTINCT_GIVEN.length) % DISTINCT_FAMILY.length]!;
  const day = String((n % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(n / 28) % 12) + 1).padStart(2, '0');
  return {
    givenNames: given,
    familyName: family,
    dateOfBirth: `${String(2008 + (n % 10))}-${month}-${day}`,
    address: { lines: [`${String(n + 1)} ${family} Road`], town: 'Leeds', postcode: `LS${String((n % 20) + 1)} ${String((n % 9) + 1)}${'ABDEFGHJLN'[n % 10]!}Q` },
  };
}
