import { createHash } from 'node:crypto';
import { inTransaction, type Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { addDays, addYears, ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { Child, ChildIdentity, LinkedIdentifier, RecordTrigger, Sex } from '../children/child-identity.js';
import { ChildrenService } from '../children/children.service.js';
import { completeNhsNumber } from '../children/nhs-number.js';
import { upnCheckLetter } from '../children/upn.js';
import type { EndReason, FlagKind, InvolvementRole } from '../involvements/involvement-codes.js';
import {
  insertBulk,
  listDirectoryOrganisations,
  listDirectoryPractitioners,
  type BulkArea,
  type BulkFlag,
  type BulkInvolvement,
} from '../involvements/involvements-bulk.repository.js';
import { FOLLOWED_SHIELD } from './child-details-generator.js';
import { DEMO_ACCOUNTS } from './demo-accounts.js';
import { DEMO_COUNCILS, demoEstablishmentNumber, WALKTHROUGH_NHS_PREFIX_FROM } from './demo-directory.js';
import { countChildrenAmong, findUsersByEmail, insertDemoChildRecords, insertSealHolders, type DemoIdentifierRow, type DemoShieldRow } from './demo-records.repository.js';
import { sealChildRecords } from './demo-sealing.js';

/**
 * The guided walkthrough (README, "Try the demo"): a few named synthetic children written on top
 * of the generated world, the same for every seed, so that a person clicking through is sure to
 * see who else is working with a child, what happened before a child moved, and a shield.
 * Dates are relative to the day the demo was seeded; `signpost demo scenarios` reads them back.
 */

export type ScenarioKey = 'who-else' | 'moved' | 'shielded';

export interface DemoScenario {
  key: ScenarioKey;
  title: string;
  /** The demo account to sign in as first. */
  signInAs: string;
  /** What to type into "Find a child": deliberately misspelt, as a busy practitioner might. */
  search: { givenNames: string; familyName: string };
  /** The child the search should find. */
  childId: string;
  /** What to look at, in order. */
  steps: string[];
}

/** The id of a walkthrough child: fixed, so every seed and every command finds the same child. */
export function demoScenarioChildId(key: string): string {
  const h = createHash('sha256').update(`signpost-demo-scenario-child:${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const WHO_ELSE = demoScenarioChildId('who-else');
const MOVED = demoScenarioChildId('moved');
const SHIELDED = demoScenarioChildId('shielded');
/** The health-visiting system's own record of the shielded child: a near-duplicate the shield followed. */
const SHIELDED_DUPLICATE = demoScenarioChildId('shielded-health-visiting');

/** Every child the walkthrough writes (the children seed leaves them out of its count). */
export const DEMO_SCENARIO_CHILD_IDS: readonly string[] = [WHO_ELSE, MOVED, SHIELDED, SHIELDED_DUPLICATE];

export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  {
    key: 'who-else',
    title: 'Who else is working with this child?',
    signInAs: 'dsl@school.demo.test',
    search: { givenNames: 'Maisy', familyName: 'Pembleton' },
    childId: WHO_ELSE,
    steps: [
      'Find a child with the misspelt name and the date of birth: Maisie Jade Pemberton is found all the same.',
      'Open her record: her allocated social worker (Sam Okafor, Leeds, lead professional), her GP, the school nurse,',
      'the police public protection unit (Operation Encompass), a family support worker and you, her school\'s safeguarding lead;',
      'the early help that ended when she became a child in need, her UPN, council child id and police reference, and her parents.',
    ],
  },
  {
    key: 'moved',
    title: 'A child who has moved area',
    signInAs: 'social.worker@leeds.demo.test',
    search: { givenNames: 'Calum', familyName: 'Fairwether' },
    childId: MOVED,
    steps: [
      'Callum Fairweather moved from Bristol to Leeds a few weeks ago. Find him with the misspelt name and the date of birth.',
      'His child protection plan is still held by Bristol (transfer-in conference pending): the signpost shows the work open in',
      'another area, Bristol\'s social worker Priya Shah and how to reach her, and his Bristol school and GP ended on the move.',
      'Sign in as social.worker@bristol.demo.test to see the same child from the other side.',
    ],
  },
  {
    key: 'shielded',
    title: 'A shielded child',
    signInAs: 'dsl@school.demo.test',
    search: { givenNames: 'Amelia', familyName: 'Hartly' },
    childId: SHIELDED,
    steps: [
      'Two records come back, both shielded: Amelia Rose Hartley, and "Millie Hartley" fed by a health-visiting system,',
      'which the shield followed. Opening either shows only name, sex, date of birth and the council to contact.',
      'Now sign in as social.worker@leeds.demo.test, a named seal-holder: the whole record, with the shield\'s reason,',
      'who decided it and when it is due for review.',
    ],
  },
];

// ---- the children themselves ----

interface ScenarioInvolvement {
  org: string;
  /** A demo account's email (that person holds it) or a directory role at the organisation. */
  by: { email: string } | { role: string; team?: string } | null;
  role: InvolvementRole;
  service: string;
  from: CalendarDate;
  ended?: { on: CalendarDate; reason: EndReason };
  lead?: boolean;
  earlyHelp?: boolean;
}

interface ScenarioChild {
  key: string;
  id: string;
  councilCode: string;
  recordTrigger: RecordTrigger;
  triggerDate: CalendarDate;
  sex: Sex;
  identity: ChildIdentity;
  identifiers: LinkedIdentifier[];
  shield?: { councilCode: string; reason: string; decidedBy: string; decidedOn: CalendarDate; reviewOn: CalendarDate };
  sealHolders?: { email: string; grantedBy: string }[];
  involvements: ScenarioInvolvement[];
  flags: { kind: FlagKind; council: string; from: CalendarDate; to?: CalendarDate }[];
  areas: { council: string; from: CalendarDate; to?: CalendarDate; reason?: string }[];
}

/** The walkthrough's UPNs use serial 999, which the generator never hands out. */
function scenarioUpn(councilCode: string, school: number, dateOfBirth: CalendarDate): LinkedIdentifier {
  const council = DEMO_COUNCILS.find((c) => c.code === councilCode)!;
  const [year, month] = dateOfBirth.split('-').map(Number) as [number, number];
  const entry = month >= 9 ? year + 5 : year + 4;
  const rest = `${council.laNumber}${demoEstablishmentNumber(council, school)}${String(entry % 100).padStart(2, '0')}999`;
  return { kind: 'upn', issuer: '', value: `${upnCheckLetter(rest)}${rest}`, validFrom: `${String(entry)}-09-01`, validTo: null };
}

function nhs(offset: number): string {
  return completeNhsNumber(String(WALKTHROUGH_NHS_PREFIX_FROM + offset))!;
}

/** The walkthrough children for a world seeded on `today`. */
function scenarioChildren(today: CalendarDate): ScenarioChild[] {
  const ago = (days: number) => addDays(today, -days);
  const sw = 'social.worker@leeds.demo.test';
  const schoolStart = (dob: CalendarDate) => scenarioUpn('LEE', 1, dob).validFrom!;

  const maisieDob = addDays(addYears(today, -9), -127);
  const callumDob = addDays(addYears(today, -13), -40);
  const ameliaDob = addDays(addYears(today, -6), -200);
  const shieldDecided = ago(45);
  const shieldReview = addDays(shieldDecided, 182);

  return [
    {
      key: 'who-else', id: WHO_ELSE, councilCode: 'LEE', recordTrigger: 'child_in_need', triggerDate: ago(140), sex: 'female',
      identity: {
        givenNames: 'Maisie Jade', familyName: 'Pemberton', formerFamilyNames: [], dateOfBirth: maisieDob,
        address: { kind: 'known', lines: ['14 Harehills Grove'], town: 'Leeds', postcode: 'LS8 3QP' }, nhsNumber: nhs(0),
        parentsCarers: [
          { name: 'Danielle Pemberton', relationship: 'mother', hasParentalResponsibility: true, phone: '07700 900417', email: 'danielle.pemberton@mail.demo.test' },
          { name: 'Craig Pemberton', relationship: 'father', hasParentalResponsibility: true, phone: '07700 900418', email: null },
        ],
        previousAddresses: [{ address: { kind: 'known', lines: ['Flat 6', '31 Gipton Terrace'], town: 'Leeds', postcode: 'LS9 6DN' }, from: ago(2400), to: ago(700) }],
      },
      identifiers: [
        scenarioUpn('LEE', 1, maisieDob),
        { kind: 'council_child_id', issuer: 'LEE', value: '20260001', validFrom: ago(400), validTo: null },
        { kind: 'police_reference', issuer: 'POL-WY', value: 'WY-2026-184522', validFrom: ago(160), validTo: null },
      ],
      involvements: [
        { org: 'SCH-LEE-1', by: { email: 'dsl@school.demo.test' }, role: 'designated_safeguarding_lead', service: 'School safeguarding', from: schoolStart(maisieDob) },
        { org: 'GP-LEE-1', by: { role: 'gp' }, role: 'gp', service: 'General practice', from: addDays(maisieDob, 21) },
        { org: 'RR8', by: { role: 'school_nurse' }, role: 'school_nurse', service: 'School nursing', from: ago(200) },
        { org: 'POL-WY', by: { role: 'public_protection_unit_officer' }, role: 'police_contact', service: 'Public protection unit – Operation Encompass', from: ago(160) },
        { org: 'LEE', by: { role: 'family_help_lead_practitioner', team: 'Family help' }, role: 'family_help_lead_practitioner', service: 'Family help – Early help team', from: ago(400), ended: { on: ago(140), reason: 'TSPROC' }, earlyHelp: true },
        { org: 'LEE', by: { email: sw }, role: 'allocated_social_worker', service: 'Children\'s social care – Children in need team', from: ago(140), lead: true },
        { org: 'VOL-FA', by: { role: 'family_support_worker' }, role: 'family_support_worker', service: 'Family support', from: ago(90) },
      ],
      flags: [{ kind: 'early_help', council: 'LEE', from: ago(400), to: ago(140) }, { kind: 'child_in_need', council: 'LEE', from: ago(140) }],
      areas: [{ council: 'LEE', from: maisieDob }],
    },
    {
      key: 'moved', id: MOVED, councilCode: 'LEE', recordTrigger: 'child_protection_plan', triggerDate: ago(300), sex: 'male',
      identity: {
        givenNames: 'Callum Ashley', familyName: 'Fairweather', formerFamilyNames: [], dateOfBirth: callumDob,
        address: { kind: 'known', lines: ['Flat 3', '27 Clarendon Road'], town: 'Leeds', postcode: 'LS2 9NZ' }, nhsNumber: nhs(1),
        parentsCarers: [{ name: 'Leanne Fairweather', relationship: 'mother', hasParentalResponsibility: true, phone: '07700 900582', email: null }],
        previousAddresses: [{ address: { kind: 'known', lines: ['8 Cavendish Close'], town: 'Bristol', postcode: 'BS5 7QD' }, from: ago(2200), to: ago(25) }],
      },
      identifiers: [
        scenarioUpn('BRS', 2, callumDob),
        { kind: 'council_child_id', issuer: 'BRS', value: '20260002', validFrom: ago(330), validTo: null },
        { kind: 'council_child_id', issuer: 'LEE', value: '20260003', validFrom: ago(20), validTo: null },
      ],
      involvements: [
        { org: 'GP-BRS-2', by: { role: 'gp' }, role: 'gp', service: 'General practice', from: ago(2200), ended: { on: ago(25), reason: 'TSPROC' } },
        { org: 'SCH-BRS-6', by: { role: 'designated_safeguarding_lead' }, role: 'designated_safeguarding_lead', service: 'School safeguarding', from: ago(800), ended: { on: ago(25), reason: 'TSPROC' } },
        { org: 'BRS', by: { role: 'allocated_social_worker', team: 'Assessment' }, role: 'allocated_social_worker', service: 'Children\'s social care – Assessment team', from: ago(330), ended: { on: ago(300), reason: 'TSPROC' } },
        // Still open in Bristol: the transfer-in conference has not happened yet.
        { org: 'BRS', by: { email: 'social.worker@bristol.demo.test' }, role: 'allocated_social_worker', service: 'Children\'s social care – Child protection team', from: ago(300), lead: true },
        { org: 'LEE', by: { email: sw }, role: 'allocated_social_worker', service: 'Children\'s social care – Assessment team', from: ago(20) },
        { org: 'SCH-LEE-6', by: { role: 'designated_safeguarding_lead' }, role: 'designated_safeguarding_lead', service: 'School safeguarding', from: ago(14) },
        { org: 'GP-LEE-2', by: { role: 'gp' }, role: 'gp', service: 'General practice', from: ago(10) },
      ],
      flags: [{ kind: 'child_in_need', council: 'BRS', from: ago(330), to: ago(300) }, { kind: 'child_protection_plan', council: 'BRS', from: ago(300) }],
      areas: [{ council: 'BRS', from: callumDob, to: ago(25) }, { council: 'LEE', from: ago(25), reason: 'family moved' }],
    },
    {
      key: 'shielded', id: SHIELDED, councilCode: 'LEE', recordTrigger: 'child_in_need', triggerDate: ago(50), sex: 'female',
      identity: {
        givenNames: 'Amelia Rose', familyName: 'Hartley', formerFamilyNames: [], dateOfBirth: ameliaDob,
        address: { kind: 'known', lines: ['Flat 2', '9 Fernbank Walk'], town: 'Leeds', postcode: 'LS7 4RJ' }, nhsNumber: nhs(2),
        parentsCarers: [{ name: 'Sarah Hartley', relationship: 'mother', hasParentalResponsibility: true, phone: '07700 900861', email: null }],
        previousAddresses: [{ address: { kind: 'known', lines: ['52 Ladybarn Lane'], town: 'Manchester', postcode: 'M14 6WR' }, from: null, to: ago(55) }],
      },
      identifiers: [scenarioUpn('LEE', 3, ameliaDob), { kind: 'council_child_id', issuer: 'LEE', value: '20260004', validFrom: ago(50), validTo: null }],
      shield: {
        councilCode: 'LEE',
        reason: 'Amelia and her mother moved to refuge accommodation after domestic abuse; her father is actively seeking their address.',
        decidedBy: 'Head of Children\'s Social Care, Leeds',
        decidedOn: shieldDecided,
        reviewOn: shieldReview,
      },
      sealHolders: [{ email: sw, grantedBy: 'admin@leeds.demo.test' }],
      involvements: [
        { org: 'GP-MAN-1', by: { role: 'gp' }, role: 'gp', service: 'General practice', from: addDays(ameliaDob, 30), ended: { on: ago(55), reason: 'TSPROC' } },
        { org: 'LEE', by: { email: sw }, role: 'allocated_social_worker', service: 'Children\'s social care – Children in need team', from: ago(50), lead: true },
        { org: 'VOL-FA', by: { role: 'family_support_worker' }, role: 'family_support_worker', service: 'Family support – refuge outreach', from: ago(50) },
        { org: 'SCH-LEE-3', by: { role: 'designated_safeguarding_lead' }, role: 'designated_safeguarding_lead', service: 'School safeguarding', from: ago(45) },
        { org: 'GP-LEE-3', by: { role: 'gp' }, role: 'gp', service: 'General practice', from: ago(40) },
      ],
      flags: [{ kind: 'child_in_need', council: 'LEE', from: ago(50) }],
      areas: [{ council: 'MAN', from: ameliaDob, to: ago(55) }, { council: 'LEE', from: ago(55), reason: 'moved into refuge accommodation' }],
    },
    {
      // What the Manchester health-visiting system knew of her: a nickname, the old address, no NHS number.
      key: 'shielded-health-visiting', id: SHIELDED_DUPLICATE, councilCode: 'MAN', recordTrigger: 'contact_referral_accepted', triggerDate: addDays(ameliaDob, 900), sex: 'female',
      identity: {
        givenNames: 'Millie', familyName: 'Hartley', formerFamilyNames: [], dateOfBirth: ameliaDob,
        address: { kind: 'known', lines: ['52 Ladybarn Lane'], town: 'Manchester', postcode: 'M14 6WR' }, nhsNumber: null,
        parentsCarers: [{ name: 'Sarah Hartley', relationship: 'mother', hasParentalResponsibility: true, phone: null, email: null }],
      },
      identifiers: [{ kind: 'source_system', issuer: 'health-visiting-system', value: 'HV0042137', validFrom: addDays(ameliaDob, 900), validTo: null }],
      shield: { councilCode: 'LEE', ...FOLLOWED_SHIELD, decidedOn: ago(40), reviewOn: shieldReview },
      involvements: [
        { org: 'R0A', by: { role: 'health_visitor' }, role: 'health_visitor', service: 'Health visiting (0–5)', from: addDays(ameliaDob, 14), ended: { on: addYears(ameliaDob, 5), reason: 'OTHERS' } },
      ],
      flags: [],
      areas: [{ council: 'MAN', from: ameliaDob }],
    },
  ];
}

/**
 * Writes the walkthrough children (sealed like every other child, with their identifiers,
 * shields, seal-holders, involvements, flags and areas) in one transaction. Needs the directory
 * and the demo accounts; does nothing when they are already there. Returns the children written.
 */
export async function seedScenarios(deps: { db: Db; keys: Keyring; clock: Clock }, options: { today?: CalendarDate } = {}): Promise<number> {
  const { db } = deps;
  // Written in one transaction: all of them are there, or none.
  if ((await countChildrenAmong(db, DEMO_SCENARIO_CHILD_IDS)) > 0) return 0;
  const today = options.today ?? ukDate(deps.clock.now());
  const children = scenarioChildren(today);

  const orgs = new Map((await listDirectoryOrganisations(db)).map((o) => [o.code, o]));
  const staff = await listDirectoryPractitioners(db);
  const users = new Map((await findUsersByEmail(db, DEMO_ACCOUNTS.map((a) => a.email))).map((u) => [u.email, u]));
  const org = (code: string) => {
    const found = orgs.get(code);
    if (!found) throw new Error(`Organisation ${code} is not in the directory: seed the demo world before its walkthrough.`);
    return found;
  };

  const service = new ChildrenService({ db, keys: deps.keys });
  const prepared = service.sealer.prepare(children.map((c): Child => ({
    id: c.id, responsibleCouncilId: org(c.councilCode).id, recordTrigger: c.recordTrigger, triggerDate: c.triggerDate,
    sex: c.sex, unborn: false, shielded: c.shield !== undefined, identity: c.identity,
  })));
  const records: { identifiers: DemoIdentifierRow[]; shields: DemoShieldRow[] } = { identifiers: [], shields: [] };
  const rows: { involvements: BulkInvolvement[]; flags: BulkFlag[]; areas: BulkArea[] } = { involvements: [], flags: [], areas: [] };
  const sealHolders: { childId: string; userId: string; grantedByUserId: string | null }[] = [];

  children.forEach((c, i) => {
    const shield = c.shield ? { ...c.shield, councilId: org(c.shield.councilCode).id } : null;
    sealChildRecords(service.sealer, prepared[i]!, c.identifiers, shield, records);
    let n = 0;
    const rowId = () => scenarioRowId(c.key, n++);
    for (const inv of c.involvements) {
      const organisation = org(inv.org);
      const person = findPerson(staff.filter((p) => p.organisation_id === organisation.id), inv);
      rows.involvements.push({
        id: rowId(), childId: c.id, organisationId: organisation.id, practitionerId: person?.id ?? null, service: inv.service, role: inv.role,
        isLeadProfessional: inv.lead ?? false, contactRoute: person?.phone ?? organisation.office_hours_phone ?? organisation.email,
        startedOn: minDate(inv.from, today), endedOn: inv.ended?.on ?? null, endReason: inv.ended?.reason ?? null,
        holdsEarlyHelpAssessment: inv.earlyHelp ?? false, sensitiveService: null, sensitiveBasis: null,
      });
    }
    for (const f of c.flags) rows.flags.push({ id: rowId(), childId: c.id, kind: f.kind, responsibleCouncilId: org(f.council).id, startedOn: f.from, endedOn: f.to ?? null });
    for (const a of c.areas) rows.areas.push({ id: rowId(), childId: c.id, councilId: org(a.council).id, fromDate: a.from, toDate: a.to ?? null, reason: a.reason ?? null });
    for (const holder of c.sealHolders ?? []) {
      const user = users.get(holder.email);
      if (user) sealHolders.push({ childId: c.id, userId: user.id, grantedByUserId: users.get(holder.grantedBy)?.id ?? null });
    }
  });

  await inTransaction(db, async (tx) => {
    await service.storePrepared(prepared, tx);
    await insertDemoChildRecords(tx, records);
    await insertBulk(tx, rows);
    await insertSealHolders(tx, sealHolders);
  });
  return children.length;
}

type Staff = Awaited<ReturnType<typeof listDirectoryPractitioners>>[number];

/** The demo account's own practitioner entry (see seed.ts), else the first of the role (and team). */
function findPerson(atOrganisation: readonly Staff[], inv: ScenarioInvolvement): Staff | undefined {
  const by = inv.by;
  if (by === null) return undefined;
  if ('email' in by) return atOrganisation.find((p) => p.email === by.email) ?? atOrganisation.find((p) => p.role === inv.role);
  return atOrganisation.find((p) => p.role === by.role && (!by.team || p.team === by.team)) ?? atOrganisation.find((p) => p.role === by.role);
}

/** A UUID (version 4 layout) for a walkthrough child's n-th row. */
function scenarioRowId(key: string, n: number): string {
  return demoScenarioChildId(`${key}:row:${String(n)}`);
}

function minDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a < b ? a : b;
}

// ---- telling the operator ----

export interface ScenarioBriefing extends DemoScenario {
  /** The account's name and what they do, from the demo accounts. */
  account: { email: string; displayName: string; what: string };
  /** The child's date of birth as stored (read back under its key). */
  dateOfBirth: CalendarDate;
  /** The child's name as recorded, to compare with the misspelt search. */
  recordedName: string;
}

/**
 * The walkthrough as it is in this database: for each scenario, whom to sign in as, what to search
 * and what to look at. Null when the walkthrough children are not there (an empty or older demo).
 * Synthetic names only; this is for the operator's console and never goes through the logger.
 */
export async function describeScenarios(deps: { db: Db; keys: Keyring }): Promise<ScenarioBriefing[] | null> {
  const children = new ChildrenService(deps);
  const out: ScenarioBriefing[] = [];
  for (const scenario of DEMO_SCENARIOS) {
    const child = await children.read(scenario.childId);
    if (!child) return null;
    const account = DEMO_ACCOUNTS.find((a) => a.email === scenario.signInAs)!;
    out.push({
      ...scenario,
      account: { email: account.email, displayName: account.displayName, what: account.what },
      dateOfBirth: child.identity.dateOfBirth,
      recordedName: [child.identity.givenNames, child.identity.familyName].filter(Boolean).join(' '),
    });
  }
  return out;
}

/** The briefings as console lines. */
export function formatScenarios(briefings: readonly ScenarioBriefing[], password: string): string[] {
  const lines = [`Try the demo: synthetic children only. Password for every account: ${password}`, 'Security code: npx signpost demo code', ''];
  briefings.forEach((b, i) => {
    const [year, month, day] = b.dateOfBirth.split('-') as [string, string, string];
    lines.push(`${String(i + 1)}. ${b.title}`);
    lines.push(`   Sign in as    ${b.account.email}  (${b.account.displayName}, ${b.account.what})`);
    lines.push(`   Find a child  first name "${b.search.givenNames}", last name "${b.search.familyName}", date of birth ${day} ${month} ${year}`);
    lines.push(`                 (recorded as ${b.recordedName})`);
    for (const step of b.steps) lines.push(`   ${step}`);
    lines.push('');
  });
  return lines;
}
