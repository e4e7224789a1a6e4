import type { IdentifierKind, RecordTrigger, Sex } from '../children/child-identity.js';

/** Why a record exists, in the words people use (DOMAIN §2's nine triggers). */
export const RECORD_TRIGGER_LABELS: Readonly<Record<RecordTrigger, string>> = {
  contact_referral_accepted: 'Contact or referral accepted by children\'s social care',
  early_help: 'Early help',
  child_in_need: 'Child in need',
  s47_enquiry: 'Section 47 enquiry',
  child_protection_plan: 'Child protection plan',
  looked_after: 'Looked after by the council',
  care_leaver: 'Care leaver',
  unborn_child_protection_plan: 'Unborn child protection plan',
  operation_encompass: 'Operation Encompass notification (domestic abuse)',
};

export const SEX_LABELS: Readonly<Record<Sex, string>> = {
  male: 'Male',
  female: 'Female',
  unknown: 'Not known',
  indeterminate: 'Indeterminate',
};

export const IDENTIFIER_LABELS: Readonly<Record<IdentifierKind, string>> = {
  upn: 'Unique pupil number (UPN)',
  council_child_id: 'Council child ID',
  police_reference: 'Police reference',
  source_system: 'Reference in another agency\'s system',
};

/** "943 476 5919", as the NHS writes it; anything that is not ten digits is shown as it is. */
export function formatNhsNumber(value: string | null): string | null {
  if (value === null) return null;
  return /^\d{10}$/.test(value) ? `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}` : value;
}

/** A child's name for a heading: "Unborn child Smith" until the child is named. */
export function childName(child: { givenNames: string | null; familyName: string }): string {
  return child.givenNames ? `${child.givenNames} ${child.familyName}` : `Unborn child ${child.familyName}`;
}
