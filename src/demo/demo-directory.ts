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
}

export const DEMO_COUNCILS: readonly DemoCouncil[] = [
  { code: 'LEE', name: 'Leeds City Council', phonePrefix: '0113 496 0', postcodeAreas: ['LS'], town: 'Leeds' },
  { code: 'BRS', name: 'Bristol City Council', phonePrefix: '0117 496 0', postcodeAreas: ['BS'], town: 'Bristol' },
  { code: 'MAN', name: 'Manchester City Council', phonePrefix: '0161 496 0', postcodeAreas: ['M'], town: 'Manchester' },
  { code: 'NTT', name: 'Nottingham City Council', phonePrefix: '0115 496 0', postcodeAreas: ['NG'], town: 'Nottingham' },
  { code: 'SHF', name: 'Sheffield City Council', phonePrefix: '0114 496 0', postcodeAreas: ['S'], town: 'Sheffield' },
  { code: 'LBN', name: 'London Borough of Newham', phonePrefix: '020 7946 0', postcodeAreas: ['E'], town: 'London' },
];

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
