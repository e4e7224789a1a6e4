import { completeNhsNumber } from '../../src/children/nhs-number.js';
import type { ChildRecordInput } from '../../src/children/child-record-input.js';
import { upnCheckLetter } from '../../src/children/upn.js';
import type { Viewer } from '../../src/access/viewer.js';
import type { TestApp } from '../build-test-app.js';

let sequence = 0;

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
