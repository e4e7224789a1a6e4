import { Type, type Static } from '@sinclair/typebox';
import type { ChildRecordInput } from '../children/child-record-input.js';
import { isUuid } from '../involvements/field-errors.js';

/**
 * The create page's form: the GOV.UK inputs people fill in, turned into the one ChildRecordInput
 * the service validates (so the page, the API and feeds accept the same records), and the
 * validator's field keys (`address.postcode`, `parentsCarers.0.phone`) turned back into the ids
 * of the inputs to fix.
 */
const short = (max: number) => Type.Optional(Type.String({ maxLength: max }));

export const CreateForm = Type.Object(
  {
    _csrf: short(200),
    // The search this record follows, carried so the likely matches can be viewed with its reason.
    reason: short(50), reasonDetail: short(2000),
    givenNames: short(200), familyName: short(200), formerFamilyNames: short(1200),
    'dob-day': short(10), 'dob-month': short(10), 'dob-year': short(10),
    unborn: short(10), 'edd-day': short(10), 'edd-month': short(10), 'edd-year': short(10),
    sex: short(20), nhsNumber: short(40), upn: short(40), councilChildId: short(100), policeReference: short(100),
    addressLine1: short(200), addressLine2: short(200), addressTown: short(200), addressPostcode: short(20), noKnownAddress: short(10),
    carerName: short(400), carerRelationship: short(100), carerParentalResponsibility: short(10), carerPhone: short(40), carerEmail: short(400),
    recordTrigger: short(50), 'trigger-day': short(10), 'trigger-month': short(10), 'trigger-year': short(10),
    responsibleCouncilCode: short(50),
    reviewedMatches: short(2000), matchesShown: short(10),
  },
  { additionalProperties: false },
);
export type CreateFormBody = Static<typeof CreateForm>;

/** What the results page sends to start a new record: the search, to prefill the form. */
export const StartForm = Type.Object(
  {
    _csrf: short(200), reason: short(50), reasonDetail: short(2000), nhsNumber: short(40),
    givenNames: short(200), familyName: short(200), 'dob-day': short(10), 'dob-month': short(10), 'dob-year': short(10),
  },
  { additionalProperties: false },
);
export type StartFormBody = Static<typeof StartForm>;

/** The date from GOV.UK's three-box date input: a YYYY-MM-DD date, nothing (all empty), or an error. */
export function dateFromParts(what: string, day = '', month = '', year = ''): { date?: string; error?: string } {
  const parts = [day, month, year].map((p) => p.trim());
  if (parts.every((p) => p === '')) return {};
  if (parts.some((p) => !/^\d+$/.test(p))) return { error: `${what} must include a day, month and year in numbers` };
  const [d, m, y] = parts.map(Number) as [number, number, number];
  if (y < 1900 || y > 2100) return { error: `The year in ${what.toLowerCase()} must include 4 numbers` };
  const iso = `${String(y)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const check = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== iso) return { error: `${what} must be a real date` };
  return { date: iso };
}

const yes = (value: string | undefined) => value === 'yes';

/**
 * The record the form describes, plus errors the form itself finds (dates that are not dates),
 * keyed by the form's own field names.
 */
export function childRecordFromForm(body: CreateFormBody): { input: ChildRecordInput; formErrors: Record<string, string> } {
  const formErrors: Record<string, string> = {};
  const unborn = yes(body.unborn);
  const dob = unborn
    ? dateFromParts('Expected date of delivery', body['edd-day'], body['edd-month'], body['edd-year'])
    : dateFromParts('Date of birth', body['dob-day'], body['dob-month'], body['dob-year']);
  if (dob.error) formErrors[unborn ? 'expectedDate' : 'dateOfBirth'] = dob.error;
  const trigger = dateFromParts('The date of the trigger', body['trigger-day'], body['trigger-month'], body['trigger-year']);
  if (trigger.error) formErrors['triggerDate'] = trigger.error;

  const carer = [body.carerName, body.carerRelationship, body.carerPhone, body.carerEmail].some((v) => (v ?? '').trim() !== '') || yes(body.carerParentalResponsibility);
  const noKnownAddress = yes(body.noKnownAddress);
  const input: ChildRecordInput = {
    givenNames: body.givenNames ?? '',
    familyName: body.familyName ?? '',
    formerFamilyNames: (body.formerFamilyNames ?? '').split(',').map((n) => n.trim()).filter(Boolean),
    // A date the form could not read is passed on as not-a-date, so the record is refused.
    dateOfBirth: dob.date ?? (dob.error ? 'not-a-date' : ''),
    unborn,
    sex: body.sex ?? '',
    nhsNumber: body.nhsNumber ?? '',
    upn: body.upn ?? '',
    councilChildId: body.councilChildId ?? '',
    policeReference: body.policeReference ?? '',
    noKnownAddress,
    address: noKnownAddress ? null : { lines: [body.addressLine1 ?? '', body.addressLine2 ?? ''], town: body.addressTown ?? '', postcode: body.addressPostcode ?? '' },
    recordTrigger: body.recordTrigger ?? '',
    triggerDate: trigger.date ?? (trigger.error ? 'not-a-date' : ''),
    responsibleCouncilCode: body.responsibleCouncilCode ?? '',
    parentsCarers: carer
      ? [{ name: body.carerName ?? '', relationship: body.carerRelationship ?? '', hasParentalResponsibility: yes(body.carerParentalResponsibility), phone: body.carerPhone ?? '', email: body.carerEmail ?? '' }]
      : [],
  };
  return { input, formErrors };
}

/** The validator's field key → the form field that shows the message. */
const FORM_FIELD: Readonly<Record<string, string>> = {
  'address.lines': 'addressLine1',
  'address.town': 'addressTown',
  'address.postcode': 'addressPostcode',
  'parentsCarers': 'carerName',
  'parentsCarers.0.name': 'carerName',
  'parentsCarers.0.relationship': 'carerRelationship',
  'parentsCarers.0.phone': 'carerPhone',
  'parentsCarers.0.email': 'carerEmail',
};

/** Messages written for API callers, reworded for the page (which has radios, not codes). */
const PAGE_MESSAGES: Readonly<Record<string, string>> = {
  sex: 'Select the child\'s sex',
  recordTrigger: 'Select why the record exists',
  responsibleCouncilCode: 'Select the responsible council',
};
const IDENTIFIER_NAMES: Readonly<Record<string, string>> = { upn: 'UPN', councilChildId: 'council child ID', policeReference: 'police reference' };

/** The service's field errors as the form's: each on the input to fix, in words for the page. */
export function formErrorsFrom(fields: Readonly<Record<string, string>>, unborn: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, message] of Object.entries(fields)) {
    const field = key === 'dateOfBirth' ? (unborn ? 'expectedDate' : 'dateOfBirth') : FORM_FIELD[key] ?? key;
    let text = PAGE_MESSAGES[key] ?? message.replace(/ in the form YYYY-MM-DD/, '');
    if (IDENTIFIER_NAMES[key] && /already belongs/.test(message)) text = `This ${IDENTIFIER_NAMES[key]} already belongs to another child known to services. Search for that child instead`;
    if (key === 'dateOfBirth' && /unborn set/.test(message)) text = 'Date of birth must be today or in the past. If the child is not born yet, select "This child is not born yet"';
    out[field] ??= text;
  }
  return out;
}

/** The order fields appear on the page, so the error summary follows it. */
const FIELD_ORDER = [
  'reviewedMatches', 'givenNames', 'familyName', 'formerFamilyNames', 'dateOfBirth', 'expectedDate', 'sex', 'nhsNumber', 'upn',
  'councilChildId', 'policeReference', 'addressLine1', 'addressTown', 'addressPostcode', 'carerName', 'carerRelationship',
  'carerPhone', 'carerEmail', 'recordTrigger', 'triggerDate', 'responsibleCouncilCode',
];
const DATE_FIELDS = new Set(['dateOfBirth', 'expectedDate', 'triggerDate', 'reviewOn']);

/** GOV.UK error summary entries linking to each input (the first box of a date). */
export function errorSummary(fieldErrors: Readonly<Record<string, string>>): { text: string; href: string }[] {
  const rank = (field: string) => {
    const i = FIELD_ORDER.indexOf(field);
    return i === -1 ? FIELD_ORDER.length : i;
  };
  return Object.entries(fieldErrors)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([field, text]) => ({ text, href: `#${DATE_FIELDS.has(field) ? `${field}-day` : field}` }));
}

/** The candidate ids carried by the "I have checked these are not the same child" box. */
export function reviewedMatchesFrom(value: string | undefined): string[] {
  return (value ?? '').split(',').map((id) => id.trim()).filter((id) => isUuid(id));
}
