/**
 * The demo sign-ins printed on start. The shared password and TOTP secret are public by design:
 * they exist only in a database seeded with synthetic children.
 */
export const DEMO_PASSWORD = 'demo-password-2026';
/** Base32 TOTP secret shared by the pre-enrolled demo accounts. */
export const DEMO_TOTP_SECRET = 'KRSXG5CTNFTW44DPON2DEZLNN5SA';

export interface DemoAccount {
  email: string;
  displayName: string;
  role: 'practitioner' | 'social_worker' | 'mash_officer' | 'information_governance_officer' | 'council_administrator';
  organisationCode: string;
  what: string;
  /** False for the one account that shows MFA enrolment on first sign-in. */
  preEnrolled: boolean;
  /**
   * The directory practitioner this person is (role, and team for a council), so the demo
   * account's name appears on the involvements they hold, e.g. the school's safeguarding lead.
   */
  practitioner?: { role: string; team?: string };
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { email: 'social.worker@leeds.demo.test', displayName: 'Sam Okafor', role: 'social_worker', organisationCode: 'LEE', what: 'social worker, Leeds children\'s services', preEnrolled: true, practitioner: { role: 'allocated_social_worker', team: 'Assessment' } },
  { email: 'social.worker@bristol.demo.test', displayName: 'Priya Shah', role: 'social_worker', organisationCode: 'BRS', what: 'social worker, Bristol children\'s services', preEnrolled: true, practitioner: { role: 'allocated_social_worker', team: 'Child protection' } },
  { email: 'dsl@school.demo.test', displayName: 'Grace Whitfield', role: 'practitioner', organisationCode: 'SCH-LEE-1', what: 'designated safeguarding lead at a Leeds primary school', preEnrolled: true, practitioner: { role: 'designated_safeguarding_lead' } },
  { email: 'mash.officer@police.demo.test', displayName: 'DC Tom Hughes', role: 'mash_officer', organisationCode: 'POL-WY', what: 'police officer in the Leeds MASH', preEnrolled: true, practitioner: { role: 'police_officer' } },
  { email: 'health.visitor@nhs.demo.test', displayName: 'Aisha Rahman', role: 'practitioner', organisationCode: 'RR8', what: 'health visitor, Leeds Teaching Hospitals', preEnrolled: true, practitioner: { role: 'health_visitor' } },
  { email: 'ig.officer@leeds.demo.test', displayName: 'Helen Marsh', role: 'information_governance_officer', organisationCode: 'LEE', what: 'information-governance officer, Leeds', preEnrolled: true },
  { email: 'admin@leeds.demo.test', displayName: 'Raj Patel', role: 'council_administrator', organisationCode: 'LEE', what: 'Signpost administrator, Leeds', preEnrolled: true },
  { email: 'new.starter@manchester.demo.test', displayName: 'Chris Doyle', role: 'social_worker', organisationCode: 'MAN', what: 'new starter: sets up an authenticator on first sign-in', preEnrolled: false, practitioner: { role: 'allocated_social_worker', team: 'Assessment' } },
];
