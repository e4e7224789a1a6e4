/**
 * The code lists for involvements, flags and area history. Each list matches a CHECK constraint
 * in migrations/20261122T030000_involvements.ts; change both together.
 */

/** What a practitioner or team does for the child. */
export const INVOLVEMENT_ROLES = [
  'lead_professional',
  'lead_child_protection_practitioner',
  'family_help_lead_practitioner',
  'allocated_social_worker',
  'designated_safeguarding_lead',
  'gp',
  'health_visitor',
  'school_nurse',
  'midwife',
  'police_contact',
  'independent_reviewing_officer',
  'personal_adviser',
  'family_support_worker',
  'camhs_practitioner',
  'youth_worker',
  'other',
] as const;
export type InvolvementRole = (typeof INVOLVEMENT_ROLES)[number];

export const ROLE_LABELS: Readonly<Record<InvolvementRole, string>> = {
  lead_professional: 'Lead professional',
  lead_child_protection_practitioner: 'Lead child protection practitioner',
  family_help_lead_practitioner: 'Family help lead practitioner',
  allocated_social_worker: 'Allocated social worker',
  designated_safeguarding_lead: 'Designated safeguarding lead',
  gp: 'GP',
  health_visitor: 'Health visitor',
  school_nurse: 'School nurse',
  midwife: 'Midwife',
  police_contact: 'Police contact',
  independent_reviewing_officer: 'Independent reviewing officer',
  personal_adviser: 'Personal adviser',
  family_support_worker: 'Family support worker',
  camhs_practitioner: 'CAMHS practitioner',
  youth_worker: 'Youth worker',
  other: 'Other',
};

/**
 * DfE worker-change codes (SSDA903 `SWEpisodes`, SW_REASON), used here for why any involvement
 * ended. Labels follow DfE's published descriptions. Note CHCHAN is the *child* asking for a new
 * worker, not a change of area: a move between councils is a transfer by standard process (TSPROC).
 */
export const END_REASONS = ['MANAGE', 'FCONTA', 'LEFTRL', 'ORGRST', 'TSPROC', 'ABSENC', 'CHCHAN', 'PCCHAN', 'SWDIED', 'OTHERS'] as const;
export type EndReason = (typeof END_REASONS)[number];

export const END_REASON_LABELS: Readonly<Record<EndReason, string>> = {
  MANAGE: 'Managing caseloads',
  FCONTA: 'First contact or re-referral',
  LEFTRL: 'Worker left the role',
  ORGRST: 'Organisational restructure',
  TSPROC: 'Transfer by standard process (including a move to another area)',
  ABSENC: 'Absence cover or return from absence',
  CHCHAN: 'Child asked for a change of worker',
  PCCHAN: 'Parent or carer asked for a change of worker',
  SWDIED: 'Worker died',
  OTHERS: 'Other reason',
};

/** Services whose involvement is hidden unless consent or a significant-harm basis is recorded. */
export const SENSITIVE_SERVICES = ['sexual_health', 'mental_health', 'substance_misuse'] as const;
export type SensitiveService = (typeof SENSITIVE_SERVICES)[number];

export const SENSITIVE_BASES = ['consent', 'significant_harm'] as const;
export type SensitiveBasis = (typeof SENSITIVE_BASES)[number];

/** Status flags a child can carry, each with a responsible council. */
export const FLAG_KINDS = [
  'early_help',
  'child_in_need',
  'child_protection_plan',
  'looked_after',
  'unborn_child_protection_plan',
  'care_leaver',
] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export const FLAG_LABELS: Readonly<Record<FlagKind, string>> = {
  early_help: 'Early help',
  child_in_need: 'Child in need',
  child_protection_plan: 'Child protection plan',
  looked_after: 'Looked after',
  unborn_child_protection_plan: 'Unborn child protection plan',
  care_leaver: 'Care leaver',
};

/** The flags CP-IS shares with unscheduled care, while active and for 12 months after (DOMAIN §1, §5). */
export const CP_IS_FLAG_KINDS: readonly FlagKind[] = ['child_protection_plan', 'looked_after', 'unborn_child_protection_plan'];

export function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
