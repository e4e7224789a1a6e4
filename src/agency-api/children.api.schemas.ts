import { Type, type Static } from '@sinclair/typebox';
import { RECORD_TRIGGERS, SEXES } from '../children/child-identity.js';
import { END_REASONS, FLAG_KINDS, INVOLVEMENT_ROLES } from '../involvements/involvement-codes.js';
import { CalendarDateString, CouncilContactSchema, nullableArray, nullableBoolean, nullableObject, nullableString, orNull } from './agency-api.schemas.js';

/**
 * Request and response schemas for children: the record a source system sends (the JSON form of
 * `ChildRecordInput`), search, and the signpost read. Request limits are a little above the
 * validator's so its clearer messages explain ordinary mistakes; the schema only stops absurd sizes.
 */

const carer = Type.Object(
  {
    name: Type.Optional(nullableString({ maxLength: 300 })),
    relationship: Type.Optional(nullableString({ maxLength: 100, description: 'e.g. mother, father, special guardian, foster carer' })),
    hasParentalResponsibility: Type.Optional(nullableBoolean()),
    phone: Type.Optional(nullableString({ maxLength: 40 })),
    email: Type.Optional(nullableString({ maxLength: 300 })),
  },
  { additionalProperties: false },
);

const addressInput = Type.Object(
  {
    lines: Type.Optional(nullableArray(Type.String({ maxLength: 200 }), { maxItems: 8, description: 'Up to 4 lines' })),
    town: Type.Optional(nullableString({ maxLength: 200 })),
    postcode: Type.Optional(nullableString({ maxLength: 20, examples: ['LS1 4AB'] })),
  },
  { additionalProperties: false },
);

/** `ChildRecordInput` as JSON (src/children/child-record-input.ts validates its meaning). */
export const ChildRecordBody = Type.Object(
  {
    givenNames: Type.Optional(nullableString({ maxLength: 200, description: 'Empty only for an unborn child not yet named' })),
    familyName: Type.Optional(nullableString({ maxLength: 200 })),
    formerFamilyNames: Type.Optional(nullableArray(Type.String({ maxLength: 200 }), { maxItems: 20, description: 'Up to 10, most recent first' })),
    dateOfBirth: Type.Optional(nullableString({ maxLength: 20, description: 'YYYY-MM-DD; for an unborn child, the expected date of delivery' })),
    unborn: Type.Optional(nullableBoolean()),
    sex: Type.Optional(nullableString({ maxLength: 20, description: `One of: ${SEXES.join(', ')}` })),
    nhsNumber: Type.Optional(nullableString({ maxLength: 20, description: '10 digits with a valid check digit; spaces allowed', examples: ['943 476 5919'] })),
    upn: Type.Optional(nullableString({ maxLength: 20, description: 'Unique pupil number: 13 characters, the first its check letter' })),
    councilChildId: Type.Optional(nullableString({ maxLength: 100, description: 'The responsible council\'s own id for the child (50 characters or fewer)' })),
    policeReference: Type.Optional(nullableString({ maxLength: 100, description: '50 characters or fewer' })),
    address: Type.Optional(nullableObject(addressInput, 'Current or last known address; null with noKnownAddress: true when there is none')),
    noKnownAddress: Type.Optional(nullableBoolean()),
    recordTrigger: Type.Optional(nullableString({ maxLength: 50, description: `Why the record exists: one of ${RECORD_TRIGGERS.join(', ')}` })),
    triggerDate: Type.Optional(nullableString({ maxLength: 20, description: 'YYYY-MM-DD, today or earlier' })),
    responsibleCouncilCode: Type.Optional(nullableString({ maxLength: 50, description: 'From GET /api/v1/organisations?kind=council', examples: ['LEE'] })),
    parentsCarers: Type.Optional(nullableArray(carer, { maxItems: 12, description: 'Up to 6' })),
  },
  { additionalProperties: false },
);
export type ChildRecordBody = Static<typeof ChildRecordBody>;

export const UpsertChildResult = Type.Object({
  childId: Type.String({ format: 'uuid' }),
  created: Type.Boolean({ description: 'True only when this call made the child' }),
  changed: Type.Boolean({ description: 'False when the record sent matches what is held (a retry)' }),
});

// ---- search ----

export const SearchBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why this search is made; recorded in the audit with the search and shown to the child\'s council and family' }),
    nhsNumber: Type.Optional(Type.String({ maxLength: 20, description: 'Search by NHS number alone, or leave out and use familyName and dateOfBirth' })),
    familyName: Type.Optional(Type.String({ maxLength: 200 })),
    dateOfBirth: Type.Optional(Type.String({ maxLength: 20, description: 'YYYY-MM-DD' })),
    givenNames: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SearchBody = Static<typeof SearchBody>;

const SearchResult = Type.Object({
  childId: Type.String({ format: 'uuid' }),
  givenNames: orNull(Type.String()),
  familyName: Type.String(),
  dateOfBirth: CalendarDateString,
  sex: Type.String({ enum: [...SEXES] }),
  shielded: Type.Boolean({ description: 'A shielded child\'s signpost shows only a summary and who to ask' }),
  council: Type.Object({ name: Type.String(), officeHoursPhone: orNull(Type.String()), emergencyDutyPhone: orNull(Type.String()) }, { description: 'The responsible council and how to reach it' }),
  likeness: Type.String({ enum: ['exact', 'close', 'possible'] }),
  because: Type.Array(Type.String(), { description: 'Why the record was offered, e.g. "date of birth with day and month swapped"' }),
});

export const SearchResponse = Type.Object({ results: Type.Array(SearchResult, { maxItems: 10 }) });

// ---- signpost ----

export const SignpostQuery = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why you are looking; recorded in the audit with the look' }) },
  { additionalProperties: false },
);
export type SignpostQuery = Static<typeof SignpostQuery>;

const address = Type.Object({ lines: Type.Array(Type.String()), town: Type.String(), postcode: Type.String() });

const Involvement = Type.Object({
  id: Type.String({ format: 'uuid' }),
  role: Type.String({ enum: [...INVOLVEMENT_ROLES] }),
  roleLabel: Type.String(),
  practitionerName: orNull(Type.String()),
  agency: Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }),
  service: Type.String(),
  contactRoute: orNull(Type.String()),
  isLeadProfessional: Type.Boolean(),
  holdsEarlyHelpAssessment: Type.Boolean(),
  since: CalendarDateString,
  until: orNull(CalendarDateString),
  endReason: orNull(Type.String({ enum: [...END_REASONS] })),
  endReasonLabel: orNull(Type.String()),
});

const Flag = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String({ enum: [...FLAG_KINDS] }),
  label: Type.String(),
  active: Type.Boolean(),
  startedOn: CalendarDateString,
  endedOn: orNull(CalendarDateString),
  sharedWithUnscheduledCare: Type.Boolean({ description: 'Shown by CP-IS in unscheduled care: active, or ended within 12 months' }),
  council: CouncilContactSchema,
});

const Area = Type.Object({
  id: Type.String({ format: 'uuid' }),
  council: CouncilContactSchema,
  from: CalendarDateString,
  to: orNull(CalendarDateString),
  reason: orNull(Type.String()),
  current: Type.Boolean(),
});

export const FullSignpost = Type.Object(
  {
    shielded: Type.Literal(false),
    child: Type.Object({
      id: Type.String({ format: 'uuid' }),
      recordTrigger: Type.String({ enum: [...RECORD_TRIGGERS] }),
      triggerDate: CalendarDateString,
      sex: Type.String({ enum: [...SEXES] }),
      unborn: Type.Boolean(),
      responsibleCouncil: CouncilContactSchema,
    }),
    identity: Type.Object({
      givenNames: orNull(Type.String()),
      familyName: Type.String(),
      formerFamilyNames: Type.Array(Type.String()),
      dateOfBirth: CalendarDateString,
      nhsNumber: orNull(Type.String()),
      address: orNull(address),
      noKnownAddress: Type.Boolean(),
      previousAddresses: Type.Array(Type.Object({ address: orNull(address), from: orNull(CalendarDateString), to: orNull(CalendarDateString) })),
      parentsCarers: Type.Array(Type.Object({
        name: Type.String(),
        relationship: Type.String(),
        hasParentalResponsibility: Type.Boolean(),
        phone: orNull(Type.String()),
        email: orNull(Type.String()),
      })),
    }),
    identifiers: Type.Array(Type.Object({
      kind: Type.String({ enum: ['upn', 'council_child_id', 'police_reference', 'source_system'] }),
      issuer: Type.String({ description: 'A council or force code, a source system\'s name, or empty for a UPN' }),
      value: Type.String(),
      validFrom: orNull(CalendarDateString),
      validTo: orNull(CalendarDateString),
    })),
    retention: Type.Object({
      kind: Type.String({ enum: ['kept_while_open', 'remove_on', 'legal_hold'] }),
      removeOn: orNull(CalendarDateString),
      because: orNull(Type.String({ enum: ['after_last_activity', 'twenty_fifth_birthday'] })),
      latestPossible: orNull(CalendarDateString),
      legalHoldReason: orNull(Type.String()),
    }),
    signpost: Type.Object({
      asOf: CalendarDateString,
      current: Type.Array(Involvement, { description: 'Active involvements: the lead professional first, then the most recent' }),
      flags: Type.Array(Flag),
      area: Type.Object({
        current: CouncilContactSchema,
        history: Type.Array(Area, { description: 'Most recent first' }),
        openInAnotherArea: Type.Array(Type.Object({
          council: CouncilContactSchema,
          flags: Type.Array(Type.String({ enum: [...FLAG_KINDS] })),
          involvements: Type.Integer(),
        }), { description: 'Councils other than the current one with open work: ask them before acting' }),
      }),
      upcoming: Type.Array(Involvement),
      past: Type.Array(Involvement),
    }),
  },
  { description: 'The child\'s record and signpost' },
);
export type FullSignpost = Static<typeof FullSignpost>;

export const ShieldedSignpost = Type.Object(
  {
    shielded: Type.Literal(true),
    childId: Type.String({ format: 'uuid' }),
    givenNames: orNull(Type.String()),
    familyName: Type.String(),
    dateOfBirth: CalendarDateString,
    sex: Type.String({ enum: [...SEXES] }),
    council: CouncilContactSchema,
  },
  { description: 'A shielded child: only this summary, and the council to ask' },
);
export type ShieldedSignpost = Static<typeof ShieldedSignpost>;
