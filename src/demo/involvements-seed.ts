import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Db, DbOrTx } from '../platform/db/database.js';
import type { PractitionersTable } from '../platform/db/schema.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { RecordTrigger } from '../children/child-identity.js';
import type { EndReason, FlagKind, InvolvementRole, SensitiveBasis, SensitiveService } from '../involvements/involvement-codes.js';
import {
  countChildrenWithoutAreaHistory,
  insertBulk,
  listDirectoryOrganisations,
  listDirectoryPractitioners,
  type BulkArea,
  type BulkFlag,
  type BulkInvolvement,
} from '../involvements/involvements-bulk.repository.js';
import { DEMO_SOURCE_SYSTEMS } from './child-details-generator.js';
import { demoSchoolCode, demoSchoolNumber } from './demo-directory.js';
import { listDemoChildrenToPlan } from './demo-records.repository.js';

export interface InvolvementsSeedOptions {
  seed: number;
  /** Dates are relative to this day; defaults to today in the UK by the clock. */
  today?: CalendarDate;
  /** Children per statement (default 2,000). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface InvolvementsSeedResult {
  /** Children given involvements, flags and area history by this run. */
  children: number;
  involvements: number;
  flags: number;
  areas: number;
}

/** Rates chosen to look like a council's caseload; see DOMAIN §2–§4. */
export const INVOLVEMENT_RATES = {
  /** Children who moved between demo councils. */
  moved: 0.08,
  /** Of those with statutory work, the old council still holds it (transfer-in conference pending). */
  heldOver: 0.3,
  /** Children with a sexual health, mental health or substance misuse involvement. */
  sensitive: 0.01,
  /** Of the statutory cases, an earlier worker handed over (ended with a DfE code). */
  workerChanged: 0.35,
  /** Ages are sealed, so the seed draws a plausible band: under-fives are over-represented in this work. */
  underFive: 0.3,
} as const;

const DEFAULT_BATCH = 2_000;

/**
 * Gives every seeded child realistic involvements, status flags and area history, consistent with
 * why the child's record exists: a school's safeguarding lead, a GP, a health visitor for the
 * youngest, an allocated social worker as lead professional for children in need, on a plan or
 * looked after, a family help lead practitioner for early help, a police contact for Operation
 * Encompass, a personal adviser for care leavers; some earlier workers ended with DfE codes;
 * about 8% moved between councils (the old council's work ended by transfer, or still open there);
 * about 1% with a sensitive-service involvement, some with a recorded basis.
 *
 * Reads only the clear facts of each child (council, trigger, trigger date, which kinds of
 * identifier it has), never the sealed identity: a child with a UPN is of school age and attends
 * the school that allocated it; one without is under five. Deterministic: each child's rows
 * depend only on the seed, the child's facts, `today` and the directory. Idempotent and
 * resumable: children that already have area history are skipped, so a second run adds nothing
 * and an interrupted one carries on.
 */
export async function seedInvolvements(deps: { db: Db; clock: Clock }, options: InvolvementsSeedOptions): Promise<InvolvementsSeedResult> {
  const { db } = deps;
  const result: InvolvementsSeedResult = { children: 0, involvements: 0, flags: 0, areas: 0 };
  const total = await countChildrenWithoutAreaHistory(db);
  if (total === 0) return result;

  const planner = await InvolvementPlanner.load(deps, options);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;

  let page = await listDemoChildrenToPlan(db, null, batchSize);
  let writing: Promise<void> = Promise.resolve();
  while (page.length > 0) {
    const rows = planner.plan(page);
    await writing;
    // The next page is read while this one is written (keyset paging on id is unaffected by the
    // write), and the batch after is planned while that write is still in flight.
    const next = listDemoChildrenToPlan(db, page[page.length - 1]!.id, batchSize);
    const children = page.length;
    writing = insertBulk(db, rows).then(() => {
      result.children += children;
      result.involvements += rows.involvements.length;
      result.flags += rows.flags.length;
      result.areas += rows.areas.length;
      options.onProgress?.(result.children, total);
    });
    // Marks the write as handled while the next batch is planned; the await above still throws.
    writing.catch(() => undefined);
    page = await next;
    // Let the insert reach the socket before this thread spends a while planning.
    await setImmediate();
  }
  await writing;
  return result;
}

export type PlannedRows = { involvements: BulkInvolvement[]; flags: BulkFlag[]; areas: BulkArea[] };

/**
 * Plans children's involvements, flags and areas against the directory, loaded once. Used by
 * {@link seedInvolvements} and by the children seed, which plans each batch as soon as it is
 * written so the database writes involvements while the next batch is being sealed. A child's
 * rows are the same either way.
 */
export class InvolvementPlanner {
  private constructor(private readonly seed: number, private readonly directory: Directory, private readonly today: number) {}

  static async load(deps: { db: DbOrTx; clock: Clock }, options: { seed: number; today?: CalendarDate }): Promise<InvolvementPlanner> {
    const directory = new Directory(await listDirectoryOrganisations(deps.db), await listDirectoryPractitioners(deps.db));
    return new InvolvementPlanner(options.seed, directory, dayNumber(options.today ?? ukDate(deps.clock.now())));
  }

  plan(children: readonly ChildToPlan[]): PlannedRows {
    const rows: PlannedRows = { involvements: [], flags: [], areas: [] };
    for (const child of children) new ChildPlan(this.seed, child, this.directory, this.today, rows).build();
    return rows;
  }
}

// ---- the directory, indexed for picking ----

interface Org {
  id: string;
  code: string;
  kind: string;
  name: string;
  council_id: string | null;
  office_hours_phone: string | null;
  email: string | null;
}

/** A practitioners row as the directory holds it. */
type Staff = Omit<PractitionersTable, 'id' | 'created_at'> & { id: string };

/** Council teams in the demo directory (see seed.ts). */
type Team = 'Front door (MASH)' | 'Assessment' | 'Child protection' | 'Children looked after' | 'Leaving care' | 'Family help';

class Directory {
  readonly councils: Org[];
  readonly #orgs = new Map<string, Org>();
  readonly #staff = new Map<string, Staff[]>();
  readonly #byCouncilAndKind = new Map<string, Org[]>();
  readonly #byKind = new Map<string, Org[]>();

  constructor(orgs: readonly Org[], staff: readonly Staff[]) {
    for (const org of orgs) {
      this.#orgs.set(org.id, org);
      push(this.#byKind, org.kind, org);
      if (org.council_id) push(this.#byCouncilAndKind, `${org.council_id}|${org.kind}`, org);
    }
    this.councils = this.#byKind.get('council') ?? [];
    for (const person of staff) push(this.#staff, `${person.organisation_id}|${person.role}`, person);
  }

  org(id: string): Org | undefined {
    return this.#orgs.get(id);
  }

  /** Schools or GP practices in a council's area. */
  inArea(councilId: string, kind: 'school' | 'gp_practice'): Org[] {
    return this.#byCouncilAndKind.get(`${councilId}|${kind}`) ?? [];
  }

  /**
   * Agencies of a kind serving the council's area. The demo directory does not link trusts and
   * forces to councils, so the dialling code stands in for geography; an area with none of its own
   * uses one of the others.
   */
  serving(councilId: string, kind: 'nhs_trust' | 'police' | 'voluntary'): { local: Org[]; all: Org[] } {
    const all = this.#byKind.get(kind) ?? [];
    const code = dialCode(this.#orgs.get(councilId)?.office_hours_phone ?? null);
    return { local: code ? all.filter((o) => dialCode(o.office_hours_phone) === code) : [], all };
  }

  staff(organisationId: string, role: string, team?: Team): Staff[] {
    const people = this.#staff.get(`${organisationId}|${role}`) ?? [];
    if (!team) return people;
    const inTeam = people.filter((p) => p.team === team);
    return inTeam.length > 0 ? inTeam : people;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function dialCode(phone: string | null): string | null {
  return phone?.split(' ')[0] ?? null;
}

// ---- one child's rows ----

/** A child as the planner needs it: clear facts and which kinds of identifier it has. */
export interface ChildToPlan {
  id: string;
  responsible_council_id: string;
  record_trigger: RecordTrigger;
  trigger_date: CalendarDate;
  unborn: boolean;
  /** The child has a UPN: of school age. */
  has_upn: boolean;
  /** The child has any identifier (a generated child always does: without a UPN it is under five). */
  has_identifiers: boolean;
  /** The system that fed a near-duplicate, if it is one. */
  source_system: string | null;
}

/** Feeding systems whose records are of school-age children, and of the under-fives. */
const SCHOOL_SOURCES: ReadonlySet<string> = new Set([DEMO_SOURCE_SYSTEMS.schoolMis.system, DEMO_SOURCE_SYSTEMS.schoolNursing.system]);
const UNDER_FIVE_SOURCES: ReadonlySet<string> = new Set([DEMO_SOURCE_SYSTEMS.healthVisiting.system]);

type AgeBand = 'unborn' | 'under_five' | 'school_age' | 'young_adult';

interface Move {
  from: string;
  on: number;
  reason: string;
  /** The old council keeps the statutory work (placed out of area, or transfer pending). */
  heldOver: boolean;
}

const STATUTORY: Partial<Record<RecordTrigger, { team: Team; role: InvolvementRole; flag: FlagKind | null; service: string }>> = {
  contact_referral_accepted: { team: 'Assessment', role: 'allocated_social_worker', flag: null, service: 'Children\'s social care – Assessment team' },
  s47_enquiry: { team: 'Assessment', role: 'allocated_social_worker', flag: 'child_in_need', service: 'Children\'s social care – Assessment team' },
  child_in_need: { team: 'Assessment', role: 'allocated_social_worker', flag: 'child_in_need', service: 'Children\'s social care – Children in need team' },
  child_protection_plan: { team: 'Child protection', role: 'allocated_social_worker', flag: 'child_protection_plan', service: 'Children\'s social care – Child protection team' },
  unborn_child_protection_plan: { team: 'Child protection', role: 'allocated_social_worker', flag: 'unborn_child_protection_plan', service: 'Children\'s social care – Pre-birth assessment team' },
  looked_after: { team: 'Children looked after', role: 'allocated_social_worker', flag: 'looked_after', service: 'Children\'s social care – Children looked after team' },
  early_help: { team: 'Family help', role: 'family_help_lead_practitioner', flag: 'early_help', service: 'Family help – Early help team' },
  care_leaver: { team: 'Leaving care', role: 'personal_adviser', flag: 'care_leaver', service: 'Leaving care service' },
};

const HANDOVER_REASONS: readonly [EndReason, number][] = [
  ['TSPROC', 35], ['MANAGE', 22], ['LEFTRL', 20], ['ABSENC', 8], ['ORGRST', 6], ['PCCHAN', 4], ['CHCHAN', 3], ['OTHERS', 2],
];

class ChildPlan {
  readonly #rng: () => number;
  readonly #idBase: Buffer;
  #rowNumber = 0;
  readonly #trigger: number;
  readonly #council: string;

  constructor(
    seed: number,
    private readonly child: ChildToPlan,
    private readonly dir: Directory,
    private readonly today: number,
    private readonly out: { involvements: BulkInvolvement[]; flags: BulkFlag[]; areas: BulkArea[] },
  ) {
    // One hash per child seeds its random stream and its row ids, so a child's rows do not depend
    // on which other children exist or how they are batched.
    const digest = createHash('sha256').update(`signpost-demo-involvements:${seed}:${child.id}`).digest();
    this.#rng = sfc32(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12));
    this.#idBase = digest.subarray(16, 32);
    this.#trigger = Math.min(dayNumber(child.trigger_date), today);
    this.#council = child.responsible_council_id;
  }

  build(): void {
    const band = this.#ageBand();
    const move = this.#move(band);
    // Known to the council since a while before the trigger; the youngest only since birth or so.
    const known = this.#trigger - (band === 'unborn' ? 0 : this.#int(0, band === 'under_five' ? 120 : 900));

    // Area history: the previous council until the move, then the current one.
    if (move) {
      this.#area(move.from, Math.min(known, move.on), move.on, null);
      this.#area(this.#council, move.on, null, move.reason);
    } else {
      this.#area(this.#council, known, null, null);
    }

    this.#universal(band, move);
    this.#statutory(move);
    if (band !== 'unborn' && band !== 'under_five' && this.#chance(INVOLVEMENT_RATES.sensitive)) this.#sensitive();
  }

  #ageBand(): AgeBand {
    if (this.child.unborn || this.child.record_trigger === 'unborn_child_protection_plan') return 'unborn';
    if (this.child.record_trigger === 'care_leaver') return 'young_adult';
    // Operation Encompass notifications go to schools.
    if (this.child.record_trigger === 'operation_encompass') return 'school_age';
    // The identifiers say it without opening the identity; a child from elsewhere gets a plausible band.
    const source = this.child.source_system;
    if (this.child.has_upn || (source !== null && SCHOOL_SOURCES.has(source))) return 'school_age';
    if ((source !== null && UNDER_FIVE_SOURCES.has(source)) || (this.child.has_identifiers && source === null)) return 'under_five';
    return this.#chance(INVOLVEMENT_RATES.underFive) ? 'under_five' : 'school_age';
  }

  #move(band: AgeBand): Move | null {
    if (band === 'unborn' || this.today - this.#trigger < 30 || !this.#chance(INVOLVEMENT_RATES.moved)) return null;
    const others = this.dir.councils.filter((c) => c.id !== this.#council);
    if (others.length === 0) return null;
    const from = this.#pick(others).id;
    const on = this.#trigger + this.#int(14, Math.min(700, this.today - this.#trigger));
    const lookedAfter = this.child.record_trigger === 'looked_after';
    const reason = lookedAfter ? 'placed out of area' : this.#pick(['family moved', 'family moved', 'family moved', 'moved to live with relatives', 'moved into refuge accommodation']);
    const hasStatutory = STATUTORY[this.child.record_trigger]?.flag != null;
    return { from, on: Math.min(on, this.today), reason, heldOver: lookedAfter || (hasStatutory && this.#chance(INVOLVEMENT_RATES.heldOver)) };
  }

  /** GP, school or health visitor, police for Operation Encompass: ended in the old area, started in the new. */
  #universal(band: AgeBand, move: Move | null): void {
    const lookback = band === 'under_five' ? 300 : 1500;
    const spells: { council: string; from: number; to: number | null }[] = move
      ? [{ council: move.from, from: this.#trigger - this.#int(60, lookback), to: move.on }, { council: this.#council, from: move.on + this.#int(0, 40), to: null }]
      : [{ council: this.#council, from: this.#trigger - this.#int(30, lookback), to: null }];
    for (const spell of spells) {
      const from = Math.min(spell.from, this.today);
      const ended = spell.to === null ? null : { on: Math.max(spell.to, from), reason: 'TSPROC' as EndReason };
      if (band !== 'unborn' && this.#chance(0.93)) {
        const practice = this.#maybePick(this.dir.inArea(spell.council, 'gp_practice'));
        if (practice) this.#involve(practice, 'gp', 'gp', 'General practice', Math.max(from, this.#trigger - 4000), ended);
      }
      if (band === 'school_age' && this.#chance(0.96)) {
        const school = spell.council === this.#council ? this.#ownSchool() : this.#maybePick(this.dir.inArea(spell.council, 'school'));
        if (school) this.#involve(school, 'designated_safeguarding_lead', 'designated_safeguarding_lead', 'School safeguarding', from, ended);
      }
      if (band === 'under_five' && this.#chance(0.9)) {
        const trust = this.#agency(spell.council, 'nhs_trust');
        if (trust) this.#involve(trust, 'health_visitor', 'health_visitor', 'Health visiting (0–5)', Math.max(from, this.#trigger - 700), ended);
      }
      if (band === 'unborn') {
        const trust = this.#agency(spell.council, 'nhs_trust');
        if (trust) this.#involve(trust, 'midwife', 'midwife', 'Maternity – safeguarding midwifery', this.#trigger - this.#int(0, 60), ended);
      }
      if (band === 'school_age' && this.#chance(0.08)) {
        const trust = this.#agency(spell.council, 'nhs_trust');
        if (trust) this.#involve(trust, 'school_nurse', 'school_nurse', 'School nursing', from, ended);
      }
    }
    if (this.child.record_trigger === 'operation_encompass') {
      const force = this.#agency(this.#council, 'police');
      if (force) this.#involve(force, 'public_protection_unit_officer', 'police_contact', 'Public protection unit – Operation Encompass', this.#trigger, null);
    }
  }

  /** Statutory work for the record's trigger: the lead professional, the flag, sometimes a handover. */
  #statutory(move: Move | null): void {
    const work = STATUTORY[this.child.record_trigger];
    if (!work) return;
    const start = this.#trigger;
    const holder = move?.heldOver ? move.from : this.#council;
    const transferred = move && !move.heldOver ? move : null;
    const councilStart = transferred ? Math.min(start, transferred.on) : start;

    if (transferred) {
      // The old council's worker and flag ended when the case transferred in.
      const old = this.dir.org(transferred.from);
      if (old) this.#involve(old, work.role, work.role, work.service, councilStart, { on: transferred.on, reason: 'TSPROC' }, work.team, true);
      if (work.flag) this.#flag(work.flag, transferred.from, councilStart, transferred.on);
    }
    const council = this.dir.org(holder);
    if (!council) return;
    const leadFrom = transferred ? transferred.on : start;
    let currentFrom = leadFrom;
    if (this.today - leadFrom > 60 && this.#chance(INVOLVEMENT_RATES.workerChanged)) {
      currentFrom = leadFrom + this.#int(21, this.today - leadFrom);
      this.#involve(council, work.role, work.role, work.service, leadFrom, { on: currentFrom, reason: this.#weighted(HANDOVER_REASONS) }, work.team, true);
    }
    this.#involve(council, work.role, work.role, work.service, currentFrom, null, work.team, true, work.role === 'family_help_lead_practitioner');
    if (work.flag) this.#flag(work.flag, holder, leadFrom, null);

    switch (this.child.record_trigger) {
      case 'looked_after':
        this.#involve(council, 'independent_reviewing_officer', 'independent_reviewing_officer', 'Independent reviewing service', start, null, 'Children looked after');
        break;
      case 'care_leaver':
        // Was looked after until 18: that flag ended when leaving care began.
        this.#flag('looked_after', holder, start - this.#int(365, 3000), start);
        break;
      case 'child_protection_plan':
        if (this.#chance(0.4)) this.#flag('child_in_need', holder, start - this.#int(30, 300), start);
        break;
      default:
        break;
    }
    if ((this.child.record_trigger === 'early_help' || this.child.record_trigger === 'child_in_need' || this.child.record_trigger === 'child_protection_plan') && this.#chance(0.2)) {
      const charity = this.#maybePick(this.dir.serving(this.#council, 'voluntary').all.filter((o) => this.dir.staff(o.id, 'family_support_worker').length > 0));
      if (charity) this.#involve(charity, 'family_support_worker', 'family_support_worker', 'Family support', start + this.#int(0, Math.max(0, this.today - start)), null);
    }
  }

  #sensitive(): void {
    const roll = this.#rng();
    const basis: SensitiveBasis | null = this.#chance(0.5) ? (this.#chance(0.8) ? 'consent' : 'significant_harm') : null;
    const from = this.#trigger - this.#int(0, 400);
    if (roll < 0.6) {
      const trust = this.#agency(this.#council, 'nhs_trust');
      if (trust) this.#involve(trust, 'camhs_practitioner', 'camhs_practitioner', 'CAMHS', from, null, undefined, false, false, { service: 'mental_health', basis });
    } else if (roll < 0.8) {
      const trust = this.#agency(this.#council, 'nhs_trust');
      if (trust) this.#involve(trust, null, 'other', 'Young people\'s sexual health clinic', from, null, undefined, false, false, { service: 'sexual_health', basis });
    } else {
      const charity = this.#maybePick(this.dir.serving(this.#council, 'voluntary').all.filter((o) => this.dir.staff(o.id, 'youth_worker').length > 0));
      if (charity) this.#involve(charity, 'youth_worker', 'youth_worker', 'Young people\'s substance misuse service', from, null, undefined, false, false, { service: 'substance_misuse', basis });
    }
  }

  // ---- rows ----

  #involve(
    org: Org,
    staffRole: string | null,
    role: InvolvementRole,
    service: string,
    from: number,
    ended: { on: number; reason: EndReason } | null,
    team?: Team,
    lead = false,
    earlyHelp = false,
    sensitive?: { service: SensitiveService; basis: SensitiveBasis | null },
  ): void {
    const person = staffRole ? this.#maybePick(this.dir.staff(org.id, staffRole, team)) : undefined;
    const startedOn = Math.min(from, this.today);
    const endedOn = ended ? Math.max(startedOn, Math.min(ended.on, this.today)) : null;
    this.out.involvements.push({
      id: this.#nextId(1),
      childId: this.child.id,
      organisationId: org.id,
      practitionerId: person?.id ?? null,
      service,
      role,
      isLeadProfessional: lead,
      contactRoute: person?.phone ?? org.office_hours_phone ?? org.email,
      startedOn: fromDayNumber(startedOn),
      endedOn: endedOn === null ? null : fromDayNumber(endedOn),
      endReason: ended?.reason ?? null,
      holdsEarlyHelpAssessment: earlyHelp,
      sensitiveService: sensitive?.service ?? null,
      sensitiveBasis: sensitive?.basis ?? null,
    });
  }

  #flag(kind: FlagKind, councilId: string, from: number, to: number | null): void {
    const startedOn = Math.min(from, this.today);
    this.out.flags.push({
      id: this.#nextId(2),
      childId: this.child.id,
      kind,
      responsibleCouncilId: councilId,
      startedOn: fromDayNumber(startedOn),
      endedOn: to === null ? null : fromDayNumber(Math.max(startedOn, Math.min(to, this.today))),
    });
  }

  #area(councilId: string, from: number, to: number | null, reason: string | null): void {
    const fromDate = Math.min(from, this.today);
    this.out.areas.push({
      id: this.#nextId(3),
      childId: this.child.id,
      councilId,
      fromDate: fromDayNumber(fromDate),
      toDate: to === null ? null : fromDayNumber(Math.max(fromDate, to)),
      reason,
    });
  }

  /** The school in the child's council area that allocated its UPN (see demoSchoolNumber). */
  #ownSchool(): Org | undefined {
    const schools = this.dir.inArea(this.#council, 'school');
    const code = this.dir.org(this.#council)?.code;
    const wanted = code === undefined ? undefined : demoSchoolCode(code, demoSchoolNumber(this.child.id));
    return schools.find((s) => s.code === wanted) ?? this.#maybePick(schools);
  }

  #agency(councilId: string, kind: 'nhs_trust' | 'police'): Org | undefined {
    const { local, all } = this.dir.serving(councilId, kind);
    return this.#maybePick(local.length > 0 ? local : all);
  }

  /** A UUID (version 4 layout) from the child's hash, the row's kind and its number. */
  #nextId(kind: number): string {
    const h = Buffer.from(this.#idBase);
    h[13] = kind;
    h[14] = (h[14]! ^ (this.#rowNumber >> 8)) & 0xff;
    h[15] = (h[15]! ^ this.#rowNumber) & 0xff;
    this.#rowNumber += 1;
    h[6] = (h[6]! & 0x0f) | 0x40;
    h[8] = (h[8]! & 0x3f) | 0x80;
    const x = h.toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
  }

  // ---- randomness, all from the child's own stream ----

  #chance(p: number): boolean {
    return this.#rng() < p;
  }

  #int(min: number, max: number): number {
    return max <= min ? min : min + Math.floor(this.#rng() * (max - min + 1));
  }

  #pick<T>(list: readonly T[]): T {
    return list[this.#int(0, list.length - 1)]!;
  }

  #maybePick<T>(list: readonly T[]): T | undefined {
    return list.length === 0 ? undefined : this.#pick(list);
  }

  #weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let r = this.#rng() * total;
    for (const [value, weight] of choices) {
      if ((r -= weight) < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }
}

/** A small, fast, seedable generator (Chris Doty-Humphrey's SFC32); quality is ample for a demo. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Days since 1970-01-01, for cheap arithmetic on many dates. */
function dayNumber(date: CalendarDate): number {
  // YYYY-MM-DD from a date column or the clock: already a valid date.
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
}

// A seed writes a few rows per child over a few thousand distinct days: format each day once.
const formattedDays = new Map<number, CalendarDate>();

function fromDayNumber(day: number): CalendarDate {
  let date = formattedDays.get(day);
  if (date === undefined) {
    date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (formattedDays.size < 100_000) formattedDays.set(day, date);
  }
  return date;
}
