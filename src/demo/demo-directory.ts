/**
 * The demo world's organisations. Council, force and trust names are real places so the demo
 * feels familiar, but every phone number is from Ofcom's ranges reserved for drama (never
 * connected), and every email address is under the reserved `.test` domain.
 */
export interface DemoCouncil {
  code: string;
  name: string;
  /** Ofcom drama-range prefix for this area, e.g. "0113 496 0". */
  phonePrefix: string;
  /** Postcode areas the council's children live in. */
  postcodeAreas: string[];
  town: string;
  /** The DfE local-authority number: characters 2–4 of a UPN its schools allocate. */
  laNumber: string;
}

export const DEMO_COUNCILS: readonly DemoCouncil[] = [
  { code: 'LEE', name: 'Leeds City Council', phonePrefix: '0113 496 0', postcodeAreas: ['LS'], town: 'Leeds', laNumber: '383' },
  { code: 'BRS', name: 'Bristol City Council', phonePrefix: '0117 496 0', postcodeAreas: ['BS'], town: 'Bristol', laNumber: '801' },
  { code: 'MAN', name: 'Manchester City Council', phonePrefix: '0161 496 0', postcodeAreas: ['M'], town: 'Manchester', laNumber: '352' },
  { code: 'NTT', name: 'Nottingham City Council', phonePrefix: '0115 496 0', postcodeAreas: ['NG'], town: 'Nottingham', laNumber: '892' },
  { code: 'SHF', name: 'Sheffield City Council', phonePrefix: '0114 496 0', postcodeAreas: ['S'], town: 'Sheffield', laNumber: '373' },
  { code: 'LBN', name: 'London Borough of Newham', phonePrefix: '020 7946 0', postcodeAreas: ['E'], town: 'London', laNumber: '316' },
];

/** Schools and GP practices each demo council's area has in the directory (SCH-LEE-1…, GP-LEE-1…). */
export const SCHOOLS_PER_COUNCIL = 8;
export const GP_PRACTICES_PER_COUNCIL = 4;

/** Schools 1–5 of each council are primary schools, the rest academies (secondary). */
export function demoSchoolCode(councilCode: string, schoolNumber: number): string {
  return `SCH-${councilCode}-${String(schoolNumber)}`;
}

/**
 * The school a demo child attends in its council's area (1…SCHOOLS_PER_COUNCIL), read from the
 * child's id so the children seed (which writes the UPN) and the involvements seed (which writes
 * the school's involvement) agree without sharing state.
 */
export function demoSchoolNumber(childId: string): number {
  return (Number.parseInt(childId.slice(0, 8), 16) % SCHOOLS_PER_COUNCIL) + 1;
}

/**
 * The DfE establishment number of a demo school (characters 5–8 of the UPNs it allocates):
 * 2xxx for primary schools, 4xxx for secondary academies, different for each school of a council.
 */
export function demoEstablishmentNumber(council: Pick<DemoCouncil, 'laNumber'>, schoolNumber: number): string {
  const base = schoolNumber <= 5 ? 2000 : 4000;
  return String(base + ((Number(council.laNumber) * 7 + schoolNumber * 131) % 900) + 10);
}

/**
 * NHS numbers from 999 999 990 0 upwards (the top of the test range) are kept for the walkthrough's
 * children: the generator never hands them out, so an NHS number search finds only the one child.
 */
export const WALKTHROUGH_NHS_PREFIX_FROM = 999_999_990;

export interface DemoAgency {
  code: string;
  kind: 'police' | 'nhs_trust' | 'voluntary' | 'national';
  name: string;
  phone: string;
  email: string;
}

export const DEMO_AGENCIES: readonly DemoAgency[] = [
  { code: 'POL-WY', kind: 'police', name: 'West Yorkshire Police', phone: '0113 496 0999', email: 'mash@wyp.police.test' },
  { code: 'POL-AS', kind: 'police', name: 'Avon and Somerset Police', phone: '0117 496 0999', email: 'mash@asp.police.test' },
  { code: 'POL-GM', kind: 'police', name: 'Greater Manchester Police', phone: '0161 496 0999', email: 'mash@gmp.police.test' },
  { code: 'RR8', kind: 'nhs_trust', name: 'Leeds Teaching Hospitals NHS Trust', phone: '0113 496 0800', email: 'safeguarding@lth.nhs.test' },
  { code: 'RA7', kind: 'nhs_trust', name: 'University Hospitals Bristol and Weston NHS Foundation Trust', phone: '0117 496 0800', email: 'safeguarding@uhbw.nhs.test' },
  { code: 'R0A', kind: 'nhs_trust', name: 'Manchester University NHS Foundation Trust', phone: '0161 496 0800', email: 'safeguarding@mft.nhs.test' },
  { code: 'RHA', kind: 'nhs_trust', name: 'Nottinghamshire Healthcare NHS Foundation Trust', phone: '0115 496 0800', email: 'safeguarding@nhft.nhs.test' },
  { code: 'VOL-FA', kind: 'voluntary', name: 'Family Action (demo)', phone: '020 7946 0500', email: 'referrals@familyaction.test' },
  { code: 'VOL-YM', kind: 'voluntary', name: 'YoungMinds Outreach (demo)', phone: '020 7946 0600', email: 'referrals@youngminds.test' },
];

export const PRACTITIONER_ROLES = {
  council: ['allocated_social_worker', 'family_help_lead_practitioner', 'lead_child_protection_practitioner', 'team_manager', 'independent_reviewing_officer', 'personal_adviser'],
  police: ['police_officer', 'public_protection_unit_officer'],
  nhs_trust: ['health_visitor', 'school_nurse', 'paediatrician', 'named_nurse_safeguarding', 'midwife', 'camhs_practitioner'],
  gp_practice: ['gp'],
  school: ['designated_safeguarding_lead', 'head_teacher', 'special_educational_needs_coordinator'],
  voluntary: ['family_support_worker', 'youth_worker'],
  national: ['analyst'],
} as const;

/** Children in the demo world started by `signpost serve --demo`: thousands, seeded in seconds. */
export const DEMO_CHILDREN = 5_000;
