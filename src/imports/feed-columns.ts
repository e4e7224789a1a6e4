/**
 * The bulk feed format, in one place: the CSV columns, which are required, how a row becomes a
 * {@link ChildRecordInput} (checked by the one validator, `validateChildRecord`) and an optional
 * involvement, and how the validator's field names map back to the column a person must fix.
 * src/imports/README.md documents the same format for the people who produce the files.
 */
import type { ChildRecordInput } from '../children/child-record-input.js';
import { END_REASONS, INVOLVEMENT_ROLES, isOneOf } from '../involvements/involvement-codes.js';
import { isCalendarDate, type CalendarDate } from '../platform/time/calendar-date.js';

/** Largest file accepted (bytes) and most data rows: bigger feeds are split by the sender. */
export const MAX_FEED_BYTES = 50 * 1024 * 1024;
export const MAX_FEED_ROWS = 200_000;

export interface FeedColumn {
  name: string;
  /** What goes in it, for the README, the upload page and `--help`. */
  description: string;
  required?: boolean;
}

export const CHILD_COLUMNS: readonly FeedColumn[] = [
  { name: 'source_id', required: true, description: 'the child\'s id in the sending system; the same id updates the same child' },
  { name: 'given_names', required: true, description: 'first and middle names (empty only for an unborn child)' },
  { name: 'family_name', required: true, description: 'last name' },
  { name: 'former_family_names', description: 'earlier last names, separated by semicolons' },
  { name: 'date_of_birth', required: true, description: 'YYYY-MM-DD; for an unborn child, the expected date of delivery' },
  { name: 'unborn', description: 'yes or no (empty is no)' },
  { name: 'sex', required: true, description: 'male, female, unknown or indeterminate' },
  { name: 'nhs_number', description: '10 digits, spaces allowed' },
  { name: 'upn', description: 'unique pupil number, 13 characters' },
  { name: 'council_child_id', description: 'the council\'s own case number' },
  { name: 'police_reference', description: 'police reference' },
  { name: 'address_line_1', description: 'first line of the current address' },
  { name: 'address_line_2', description: 'second line' },
  { name: 'address_line_3', description: 'third line' },
  { name: 'town', description: 'town or city' },
  { name: 'postcode', description: 'full UK postcode' },
  { name: 'no_known_address', description: 'yes when the child has no known address (the address columns are then left empty)' },
  { name: 'record_trigger', required: true, description: 'why the record exists: contact_referral_accepted, early_help, child_in_need, s47_enquiry, child_protection_plan, looked_after, care_leaver, unborn_child_protection_plan or operation_encompass' },
  { name: 'trigger_date', required: true, description: 'YYYY-MM-DD' },
  { name: 'responsible_council_code', required: true, description: 'the responsible council\'s code (signpost orgs list)' },
  { name: 'carer_name', description: 'a parent or carer\'s name' },
  { name: 'carer_relationship', description: 'their relationship to the child, e.g. mother or foster carer' },
  { name: 'carer_phone', description: 'their phone number' },
  { name: 'carer_email', description: 'their email address' },
  { name: 'carer_parental_responsibility', description: 'yes or no' },
];

/** Optional: one involvement per row. With any of these filled in, the first four are needed. */
export const INVOLVEMENT_COLUMNS: readonly FeedColumn[] = [
  { name: 'involvement_organisation_code', description: 'the organisation working with the child (signpost orgs list)' },
  { name: 'involvement_role', description: `one of: ${INVOLVEMENT_ROLES.join(', ')}` },
  { name: 'involvement_service', description: 'the team or service, e.g. "Assessment team"' },
  { name: 'involvement_started_on', description: 'YYYY-MM-DD' },
  { name: 'involvement_source_id', description: 'the involvement\'s id in the sending system (default: made from the child\'s source id, organisation, role and start date)' },
  { name: 'involvement_ended_on', description: 'YYYY-MM-DD, when it has ended' },
  { name: 'involvement_end_reason', description: `with an end date, a DfE worker-change code: ${END_REASONS.join(', ')}` },
  { name: 'involvement_contact_route', description: 'how practitioners reach the worker or team: phone or email' },
  { name: 'involvement_lead_professional', description: 'yes or no' },
];

export const FEED_COLUMNS: readonly FeedColumn[] = [...CHILD_COLUMNS, ...INVOLVEMENT_COLUMNS];
const KNOWN = new Set(FEED_COLUMNS.map((c) => c.name));
const REQUIRED = CHILD_COLUMNS.filter((c) => c.required).map((c) => c.name);
const INVOLVEMENT_REQUIRED = ['involvement_organisation_code', 'involvement_role', 'involvement_service', 'involvement_started_on'];

/** Where each column sits in this file's header. */
export type ColumnIndex = ReadonlyMap<string, number>;

/** What is wrong with a header row, as sentences naming the columns; empty when it is fine. */
export function headerProblems(header: readonly string[]): string[] {
  const names = header.map(normaliseHeader);
  const problems: string[] = [];
  const unknown = names.filter((n) => !KNOWN.has(n));
  // A file without its header row starts with a child: never echo those values back.
  if (unknown.length * 2 > names.length) return ['no Signpost column names: the first row is not a header row. Put the header row first (it starts source_id,given_names,family_name,…)'];
  if (unknown.length > 0) problems.push(`unknown ${plural(unknown.length, 'column')} ${quoteList(unknown.map((n) => n.slice(0, 40)))}`);
  const duplicated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (duplicated.length > 0) problems.push(`${plural(duplicated.length, 'column')} ${quoteList(duplicated)} more than once`);
  const required = [...REQUIRED, ...(names.some((n) => n.startsWith('involvement_')) ? INVOLVEMENT_REQUIRED : [])];
  const missing = required.filter((n) => !names.includes(n));
  if (missing.length > 0) problems.push(`missing required ${plural(missing.length, 'column')} ${quoteList(missing)}`);
  return problems;
}

export function columnIndex(header: readonly string[]): ColumnIndex {
  return new Map(header.map((name, i) => [normaliseHeader(name), i]));
}

export function normaliseHeader(name: string): string {
  return name.trim().toLowerCase();
}

/** An involvement from a row, checked as far as can be before anything is written. */
export interface FeedInvolvement {
  sourceId: string;
  organisationCode: string;
  role: string;
  service: string;
  startedOn: CalendarDate;
  endedOn: CalendarDate | null;
  endReason: string | null;
  contactRoute: string | null;
  isLeadProfessional: boolean;
}

export interface FeedRow {
  sourceId: string;
  child: ChildRecordInput;
  involvement: FeedInvolvement | null;
}

const YES = new Set(['yes', 'y', 'true', '1']);
const NO = new Set(['no', 'n', 'false', '0', '']);

/**
 * Reads one data row. `problems` (column → reason) holds what only this format can see: a yes/no
 * that is neither, a missing source id, the parts of an involvement. Everything about the child
 * is left to the validator, so the page, the API and the import accept and refuse the same things.
 */
export function readFeedRow(fields: readonly string[], columns: ColumnIndex): { row: FeedRow; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const get = (name: string): string => {
    const i = columns.get(name);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const yesNo = (name: string): boolean => {
    const value = get(name).toLowerCase();
    if (YES.has(value)) return true;
    if (!NO.has(value)) problems[name] = 'Enter yes or no';
    return false;
  };
  const optional = (name: string): string | null => get(name) || null;

  const sourceId = get('source_id');
  const carer = {
    name: get('carer_name'), relationship: get('carer_relationship'), phone: optional('carer_phone'), email: optional('carer_email'),
  };
  const hasCarer = Object.values(carer).some((v) => v) || get('carer_parental_responsibility') !== '';
  const child: ChildRecordInput = {
    givenNames: get('given_names'),
    familyName: get('family_name'),
    formerFamilyNames: get('former_family_names').split(';').map((n) => n.trim()).filter(Boolean),
    dateOfBirth: get('date_of_birth'),
    unborn: yesNo('unborn'),
    sex: get('sex').toLowerCase(),
    nhsNumber: optional('nhs_number'),
    upn: optional('upn'),
    councilChildId: optional('council_child_id'),
    policeReference: optional('police_reference'),
    noKnownAddress: yesNo('no_known_address'),
    address: { lines: [get('address_line_1'), get('address_line_2'), get('address_line_3')], town: get('town'), postcode: get('postcode') },
    recordTrigger: get('record_trigger').toLowerCase(),
    triggerDate: get('trigger_date'),
    responsibleCouncilCode: get('responsible_council_code'),
    parentsCarers: hasCarer ? [{ ...carer, hasParentalResponsibility: yesNo('carer_parental_responsibility') }] : [],
  };
  if (child.noKnownAddress && [get('address_line_1'), get('address_line_2'), get('address_line_3'), get('town'), get('postcode')].some(Boolean)) {
    problems['no_known_address'] = 'Leave the address columns empty when no_known_address is yes';
  }
  if (!sourceId) problems['source_id'] = 'Enter the child\'s id in the sending system';
  else if (sourceId.length > 100) problems['source_id'] = 'source_id must be 100 characters or fewer';

  const involvement = readInvolvement(get, yesNo, sourceId, problems);
  return { row: { sourceId, child, involvement }, problems };
}

function readInvolvement(get: (name: string) => string, yesNo: (name: string) => boolean, childSourceId: string, problems: Record<string, string>): FeedInvolvement | null {
  if (!INVOLVEMENT_COLUMNS.some((c) => get(c.name) !== '')) return null;
  const organisationCode = get('involvement_organisation_code');
  const role = get('involvement_role').toLowerCase();
  const service = get('involvement_service');
  const startedOn = get('involvement_started_on');
  const endedOn = get('involvement_ended_on');
  const endReason = get('involvement_end_reason').toUpperCase();
  const contactRoute = get('involvement_contact_route');
  if (!organisationCode) problems['involvement_organisation_code'] = 'Enter the code of the organisation working with the child';
  if (!isOneOf(INVOLVEMENT_ROLES, role)) problems['involvement_role'] = `Enter one of the involvement roles: ${INVOLVEMENT_ROLES.join(', ')}`;
  if (!service) problems['involvement_service'] = 'Enter the team or service working with the child';
  else if (service.length > 200) problems['involvement_service'] = 'involvement_service must be 200 characters or fewer';
  if (!isCalendarDate(startedOn)) problems['involvement_started_on'] = 'Enter the start date as a real date in the form YYYY-MM-DD';
  if (endedOn && !isCalendarDate(endedOn)) problems['involvement_ended_on'] = 'Enter the end date as a real date in the form YYYY-MM-DD';
  else if (endedOn && isCalendarDate(startedOn) && endedOn < startedOn) problems['involvement_ended_on'] = 'The end date must be on or after the start date';
  if (endedOn && !isOneOf(END_REASONS, endReason)) problems['involvement_end_reason'] = `With an end date, enter a DfE worker-change code: ${END_REASONS.join(', ')}`;
  if (!endedOn && endReason) problems['involvement_end_reason'] = 'Give an end reason only with an end date';
  if (contactRoute.length > 200) problems['involvement_contact_route'] = 'involvement_contact_route must be 200 characters or fewer';
  const isLeadProfessional = yesNo('involvement_lead_professional');
  // Without its own id the involvement is known by what it is, so a re-sent row finds it again.
  const sourceId = get('involvement_source_id') || `${childSourceId}/${organisationCode}/${role}/${startedOn}`;
  if (sourceId.length > 200) problems['involvement_source_id'] = 'involvement_source_id must be 200 characters or fewer';
  return {
    sourceId, organisationCode, role, service, startedOn, endedOn: endedOn || null, endReason: endedOn ? endReason : null,
    contactRoute: contactRoute || null, isLeadProfessional,
  };
}

/** The validator's and services' field names → the column to fix. */
const FIELD_COLUMNS: Readonly<Record<string, string>> = {
  givenNames: 'given_names',
  familyName: 'family_name',
  formerFamilyNames: 'former_family_names',
  dateOfBirth: 'date_of_birth',
  unborn: 'unborn',
  sex: 'sex',
  nhsNumber: 'nhs_number',
  upn: 'upn',
  councilChildId: 'council_child_id',
  policeReference: 'police_reference',
  'address.lines': 'address_line_1',
  'address.town': 'town',
  'address.postcode': 'postcode',
  noKnownAddress: 'no_known_address',
  recordTrigger: 'record_trigger',
  triggerDate: 'trigger_date',
  responsibleCouncilCode: 'responsible_council_code',
  parentsCarers: 'carer_name',
  sourceId: 'source_id',
  sourceSystem: 'source system',
  // InvolvementsService's fields.
  organisationId: 'involvement_organisation_code',
  role: 'involvement_role',
  service: 'involvement_service',
  startedOn: 'involvement_started_on',
  endedOn: 'involvement_ended_on',
  endReason: 'involvement_end_reason',
  contactRoute: 'involvement_contact_route',
  'source.id': 'involvement_source_id',
};

const CARER_FIELD = /^parentsCarers\.\d+\.(name|relationship|phone|email)$/;

/** The CSV column for a validator field name (`parentsCarers.0.phone` → `carer_phone`). */
export function columnForField(field: string): string {
  const carer = CARER_FIELD.exec(field);
  if (carer) return `carer_${carer[1]!}`;
  return FIELD_COLUMNS[field] ?? field;
}

/** A service message that opens with its own field name ("role must be …") reads with the column. */
export function reasonForColumn(field: string, message: string): string {
  return message.startsWith(`${field} `) ? `${columnForField(field)}${message.slice(field.length)}` : message;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => `"${n}"`).join(', ');
  return names.length > 10 ? `${shown} and ${String(names.length - 10)} more` : shown;
}
