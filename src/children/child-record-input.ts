import { ValidationError } from '../platform/http/errors.js';
import { addMonths, addYears, isCalendarDate, type CalendarDate } from '../platform/time/calendar-date.js';
import {
  RECORD_TRIGGERS,
  SEXES,
  type ChildAddress,
  type ChildIdentity,
  type LinkedIdentifier,
  type ParentCarer,
  type RecordTrigger,
  type Sex,
} from './child-identity.js';
import { isValidNhsNumber, normaliseNhsNumber } from './nhs-number.js';
import { isValidUpn, normaliseUpn } from './upn.js';

/**
 * A child record as another system, the create page or a CSV row sends it. Plain JSON types: the
 * one validator below turns it into a record or names every field to fix, so the page, the API
 * and the bulk import accept and refuse exactly the same things.
 */
export interface ChildRecordInput {
  givenNames?: string | null | undefined;
  familyName?: string | null | undefined;
  formerFamilyNames?: string[] | null | undefined;
  /** YYYY-MM-DD; for an unborn child, the expected date of delivery. */
  dateOfBirth?: string | null | undefined;
  unborn?: boolean | null | undefined;
  sex?: string | null | undefined;
  nhsNumber?: string | null | undefined;
  upn?: string | null | undefined;
  councilChildId?: string | null | undefined;
  policeReference?: string | null | undefined;
  /** Null or absent with `noKnownAddress: true` for a child with no known address. */
  address?: { lines?: string[] | null | undefined; town?: string | null | undefined; postcode?: string | null | undefined } | null | undefined;
  noKnownAddress?: boolean | null | undefined;
  recordTrigger?: string | null | undefined;
  triggerDate?: string | null | undefined;
  /** The responsible council's code, e.g. "E09000033". */
  responsibleCouncilCode?: string | null | undefined;
  parentsCarers?: {
    name?: string | null | undefined;
    relationship?: string | null | undefined;
    hasParentalResponsibility?: boolean | null | undefined;
    phone?: string | null | undefined;
    email?: string | null | undefined;
  }[] | null | undefined;
}

/** A checked record: everything but the council, which the service resolves from its code. */
export interface ValidChildRecord {
  responsibleCouncilCode: string;
  recordTrigger: RecordTrigger;
  triggerDate: CalendarDate;
  sex: Sex;
  unborn: boolean;
  identity: ChildIdentity;
  /** UPN, council child id and police reference (source-system ids are added by the caller). */
  identifiers: LinkedIdentifier[];
}

const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i;
const PHONE = /^\+?[\d ()-]{7,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_NAME = 100;
const MAX_CARERS = 6;

const clean = (value: string | null | undefined): string => (value ?? '').trim();

/** Checks a record against `today`; throws one ValidationError naming every field to fix. */
export function validateChildRecord(input: ChildRecordInput, today: CalendarDate): ValidChildRecord {
  const errors: Record<string, string> = {};
  const fail = (field: string, message: string) => {
    errors[field] ??= message;
  };
  const unborn = input.unborn === true;

  const familyName = clean(input.familyName);
  if (!familyName) fail('familyName', 'Enter the child\'s last name');
  else if (familyName.length > MAX_NAME) fail('familyName', `Last name must be ${String(MAX_NAME)} characters or fewer`);
  const givenNames = clean(input.givenNames);
  if (!givenNames && !unborn) fail('givenNames', 'Enter the child\'s first name (leave it empty only for an unborn child)');
  else if (givenNames.length > MAX_NAME) fail('givenNames', `First names must be ${String(MAX_NAME)} characters or fewer`);
  const formerFamilyNames = (input.formerFamilyNames ?? []).map((n) => n.trim()).filter(Boolean);
  if (formerFamilyNames.length > 10 || formerFamilyNames.some((n) => n.length > MAX_NAME)) fail('formerFamilyNames', 'Enter up to 10 former last names of 100 characters or fewer');

  const dateOfBirth = clean(input.dateOfBirth);
  if (!dateOfBirth) fail('dateOfBirth', unborn ? 'Enter the expected date of delivery' : 'Enter the child\'s date of birth');
  else if (!isCalendarDate(dateOfBirth)) fail('dateOfBirth', 'Date of birth must be a real date in the form YYYY-MM-DD');
  else if (unborn && (dateOfBirth < addMonths(today, -1) || dateOfBirth > addMonths(today, 10))) fail('dateOfBirth', 'The expected date of delivery must be within the next 10 months');
  else if (!unborn && dateOfBirth > today) fail('dateOfBirth', 'Date of birth must be today or in the past (record an unborn child with unborn set)');
  else if (!unborn && dateOfBirth <= addYears(today, -25)) fail('dateOfBirth', 'Signpost holds children and care leavers up to their 25th birthday');

  const sex = clean(input.sex);
  if (!(SEXES as readonly string[]).includes(sex)) fail('sex', `Sex must be one of: ${SEXES.join(', ')}`);

  const nhs = clean(input.nhsNumber);
  if (nhs && !isValidNhsNumber(nhs)) fail('nhsNumber', 'Enter a valid 10-digit NHS number, like 943 476 5919, or leave it empty');
  const upn = clean(input.upn);
  if (upn && !isValidUpn(upn)) fail('upn', 'Enter a valid 13-character UPN whose first letter is its check letter, or leave it empty');
  const councilChildId = clean(input.councilChildId);
  const policeReference = clean(input.policeReference);
  if (councilChildId.length > 50) fail('councilChildId', 'Council child ID must be 50 characters or fewer');
  if (policeReference.length > 50) fail('policeReference', 'Police reference must be 50 characters or fewer');

  let address: ChildAddress = { kind: 'no_known_address' };
  if (input.noKnownAddress !== true) {
    const lines = (input.address?.lines ?? []).map((l) => l.trim()).filter(Boolean);
    const town = clean(input.address?.town);
    const postcode = clean(input.address?.postcode).toUpperCase();
    if (lines.length === 0) fail('address.lines', 'Enter the first line of the address, or record that there is no known address');
    if (lines.length > 4 || lines.some((l) => l.length > 100)) fail('address.lines', 'Enter up to 4 address lines of 100 characters or fewer');
    if (!town) fail('address.town', 'Enter the town or city');
    if (!POSTCODE.test(postcode)) fail('address.postcode', 'Enter a full UK postcode, like SW1A 1AA');
    address = { kind: 'known', lines, town, postcode };
  }

  const recordTrigger = clean(input.recordTrigger);
  if (!(RECORD_TRIGGERS as readonly string[]).includes(recordTrigger)) fail('recordTrigger', `Say why the record exists: one of ${RECORD_TRIGGERS.join(', ')}`);
  const triggerDate = clean(input.triggerDate);
  if (!isCalendarDate(triggerDate)) fail('triggerDate', 'Enter the date of the trigger as a real date in the form YYYY-MM-DD');
  else if (triggerDate > today) fail('triggerDate', 'The trigger date must be today or in the past');
  const responsibleCouncilCode = clean(input.responsibleCouncilCode);
  if (!responsibleCouncilCode) fail('responsibleCouncilCode', 'Enter the responsible council\'s code');

  const carers = input.parentsCarers ?? [];
  if (carers.length > MAX_CARERS) fail('parentsCarers', `Enter up to ${String(MAX_CARERS)} parents or carers`);
  const parentsCarers: ParentCarer[] = carers.slice(0, MAX_CARERS).map((c, i) => {
    const name = clean(c.name);
    const relationship = clean(c.relationship);
    const phone = clean(c.phone);
    const email = clean(c.email);
    if (!name || name.length > 200) fail(`parentsCarers.${String(i)}.name`, 'Enter the parent or carer\'s name (200 characters or fewer)');
    if (!relationship || relationship.length > 50) fail(`parentsCarers.${String(i)}.relationship`, 'Enter the relationship to the child, like mother or foster carer');
    if (phone && !PHONE.test(phone)) fail(`parentsCarers.${String(i)}.phone`, 'Enter a phone number, like 01632 960 001');
    if (email && (!EMAIL.test(email) || email.length > 200)) fail(`parentsCarers.${String(i)}.email`, 'Enter an email address, like name@example.com');
    return { name, relationship, hasParentalResponsibility: c.hasParentalResponsibility === true, phone: phone || null, email: email || null };
  });

  if (Object.keys(errors).length > 0) throw new ValidationError('Check the child\'s details', errors);

  const identifiers: LinkedIdentifier[] = [];
  if (upn) identifiers.push({ kind: 'upn', issuer: '', value: normaliseUpn(upn), validFrom: null, validTo: null });
  if (councilChildId) identifiers.push({ kind: 'council_child_id', issuer: responsibleCouncilCode, value: councilChildId, validFrom: triggerDate, validTo: null });
  if (policeReference) identifiers.push({ kind: 'police_reference', issuer: '', value: policeReference, validFrom: null, validTo: null });
  return {
    responsibleCouncilCode,
    recordTrigger: recordTrigger as RecordTrigger,
    triggerDate,
    sex: sex as Sex,
    unborn,
    identity: {
      givenNames: givenNames || null,
      familyName,
      formerFamilyNames,
      dateOfBirth,
      address,
      nhsNumber: nhs ? normaliseNhsNumber(nhs) : null,
      ...(parentsCarers.length > 0 && { parentsCarers }),
    },
    identifiers,
  };
}
