/**
 * What Signpost holds about who a child is (DOMAIN §3), and why the record exists. The identity
 * is sealed field by field in the database (see child-crypto.ts); these are the clear values a
 * service works with after opening them, and must never be logged.
 */
export const RECORD_TRIGGERS = [
  'contact_referral_accepted',
  'early_help',
  'child_in_need',
  's47_enquiry',
  'child_protection_plan',
  'looked_after',
  'care_leaver',
  'unborn_child_protection_plan',
  'operation_encompass',
] as const;
export type RecordTrigger = (typeof RECORD_TRIGGERS)[number];

export const SEXES = ['male', 'female', 'unknown', 'indeterminate'] as const;
export type Sex = (typeof SEXES)[number];

/** A current or last known address, or the explicit fact that there is none. */
export type ChildAddress =
  | { kind: 'known'; lines: string[]; town: string; postcode: string }
  | { kind: 'no_known_address' };

export interface ChildIdentity {
  /** Given names as recorded, e.g. "Mary-Jane Louise"; null for an unborn child not yet named. */
  givenNames: string | null;
  familyName: string;
  /** Earlier family names, most recent first. */
  formerFamilyNames: string[];
  /** YYYY-MM-DD; for an unborn child, the expected date of delivery. */
  dateOfBirth: string;
  address: ChildAddress;
  /** Ten digits without spaces, or null when not (yet) known. */
  nhsNumber: string | null;
  /** Earlier addresses, most recent first (absent when none were recorded). */
  previousAddresses?: PreviousAddress[];
  /** People with parental responsibility or caring for the child, and how to reach them. */
  parentsCarers?: ParentCarer[];
}

export interface PreviousAddress {
  address: ChildAddress;
  /** YYYY-MM-DD, when known. */
  from: string | null;
  to: string | null;
}

export interface ParentCarer {
  name: string;
  /** e.g. "mother", "father", "special guardian", "foster carer". */
  relationship: string;
  hasParentalResponsibility: boolean;
  phone: string | null;
  email: string | null;
}

/** Identifiers other systems know the child by (DOMAIN §3), each valid for a period. */
export const IDENTIFIER_KINDS = ['upn', 'council_child_id', 'police_reference', 'source_system'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

export interface LinkedIdentifier {
  kind: IdentifierKind;
  /** Who issued it: a source system's name, a council or police force code; '' for a UPN. */
  issuer: string;
  value: string;
  validFrom: string | null;
  validTo: string | null;
}

/** The parts of a child record that are not identifying and stay in the clear. */
export interface ChildFacts {
  id: string;
  responsibleCouncilId: string;
  recordTrigger: RecordTrigger;
  triggerDate: string;
  sex: Sex;
  unborn: boolean;
  shielded: boolean;
}

export interface Child extends ChildFacts {
  identity: ChildIdentity;
}

/** The identity fields a search ranks by: names, date of birth and NHS number, no address or family. */
export type PersonFields = Pick<ChildIdentity, 'givenNames' | 'familyName' | 'formerFamilyNames' | 'dateOfBirth' | 'nhsNumber'>;

/** A child opened only as far as a search needs (half the fields: half the decryption). */
export interface ChildPerson extends ChildFacts {
  identity: PersonFields;
}
