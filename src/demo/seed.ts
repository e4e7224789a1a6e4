import { randomUUID } from 'node:crypto';
import { Faker, base, en, en_GB } from '@faker-js/faker';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import type { Clock } from '../platform/time/clock.js';
import { addDays, ukDate } from '../platform/time/calendar-date.js';
import type { UsersService } from '../accounts/users.service.js';
import { countOrganisations, insertOrganisation } from '../organisations/organisations.repository.js';
import { insertPractitioners, type NewPractitioner } from '../organisations/practitioners.repository.js';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET } from './demo-accounts.js';
import { DEMO_AGENCIES, DEMO_COUNCILS, GP_PRACTICES_PER_COUNCIL, PRACTITIONER_ROLES, SCHOOLS_PER_COUNCIL } from './demo-directory.js';
import { seedChildren } from './children-seed.js';
import { InvolvementPlanner, seedInvolvements } from './involvements-seed.js';
import { FOLLOWED_SHIELD } from './child-details-generator.js';
import { addFirstSealHolders, findUsersByEmail } from './demo-records.repository.js';
import { seedScenarios } from './scenarios.js';

export interface SeedOptions {
  seed: number;
  /** Synthetic children to create (or complete, if an earlier run was interrupted). */
  children: number;
  /** Progress for long runs. */
  onProgress?: ProgressReporter;
}

export interface SeedResult {
  /** False when the directory was already there (children may still have been added). */
  seeded: boolean;
  organisations: number;
  practitioners: number;
  accounts: number;
  children: number;
  /** Children given involvements, flags and area history by this run. */
  childrenWithInvolvements: number;
  /** Seal-holders named for generated shielded children by this run. */
  sealHolders: number;
  /** Walkthrough children (`signpost demo scenarios`) written by this run. */
  scenarioChildren: number;
}

/** Seal-holders a demo social worker is named for, among their council's shielded children. */
const SEALS_PER_DEMO_SOCIAL_WORKER = 3;

/**
 * Seeds the synthetic demo world, deterministically from `seed`: councils with office-hours and
 * emergency-duty numbers, police forces, NHS trusts, GP practices, schools, voluntary services,
 * their practitioners, the demo accounts, then the synthetic children (with parents and carers,
 * earlier addresses, identifiers and shields) and who is involved with them (involvements, status
 * flags, area history), seal-holders among the demo social workers, and the walkthrough's named
 * children (src/demo/scenarios.ts). The directory is created only when there is none; every later
 * step is idempotent and the children seed resumes an interrupted run.
 */
export async function seedDemoWorld(deps: { db: Db; clock: Clock; users: UsersService; keys: Keyring }, options: SeedOptions): Promise<SeedResult> {
  const directory = (await countOrganisations(deps.db)) > 0 ? null : await seedDirectory(deps, options);
  // Each batch of children is followed by its involvements, flags and areas, written while the
  // next batch is sealed; the involvements seed then completes any child left without them (an
  // interrupted run, or children added some other way) and is a no-op otherwise.
  const planner = await InvolvementPlanner.load(deps, { seed: options.seed });
  const children = await seedChildren(
    { db: deps.db, keys: deps.keys, clock: deps.clock },
    { count: options.children, seed: options.seed, involvements: planner, onProgress: (done, total) => options.onProgress?.('children', done, total) },
  );
  const involvements = await seedInvolvements(
    { db: deps.db, clock: deps.clock },
    { seed: options.seed, onProgress: (done, total) => options.onProgress?.('involvements', done, total) },
  );
  const sealHolders = await seedSealHolders(deps.db);
  const scenarioChildren = await seedScenarios({ db: deps.db, keys: deps.keys, clock: deps.clock });
  return {
    seeded: directory !== null,
    organisations: directory?.organisations ?? 0,
    practitioners: directory?.practitioners ?? 0,
    accounts: directory?.accounts ?? 0,
    children: children.created,
    childrenWithInvolvements: children.withInvolvements + involvements.children,
    sealHolders,
    scenarioChildren,
  };
}

/**
 * Each enrolled demo social worker is a named seal-holder for a few of the children their council
 * shielded, so the shield can be seen from both sides. A no-op once they hold any.
 */
async function seedSealHolders(db: Db): Promise<number> {
  const councils = new Set(DEMO_COUNCILS.map((c) => c.code));
  const accounts = DEMO_ACCOUNTS.filter((a) => a.role === 'social_worker' && a.preEnrolled && councils.has(a.organisationCode));
  let named = 0;
  for (const user of await findUsersByEmail(db, accounts.map((a) => a.email))) {
    named += await addFirstSealHolders(db, { userId: user.id, councilId: user.organisation_id, limit: SEALS_PER_DEMO_SOCIAL_WORKER, followedDecidedBy: FOLLOWED_SHIELD.decidedBy });
  }
  return named;
}

async function seedDirectory(
  deps: { db: Db; clock: Clock; users: UsersService },
  options: SeedOptions,
): Promise<{ organisations: number; practitioners: number; accounts: number }> {
  const { db, clock, users } = deps;

  const faker = new Faker({ locale: [en_GB, en, base], seed: options.seed });
  const ids = new Map<string, string>();
  const practitioners: NewPractitioner[] = [];
  const addStaff = (organisationId: string, roles: readonly string[], count: number, domain: string, phone: string) => {
    for (let i = 0; i < count; i++) {
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      practitioners.push({
        organisationId,
        name: `${first} ${last}`,
        role: roles[i % roles.length]!,
        team: null,
        phone,
        email: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') + `@${domain}`,
      });
    }
  };

  let done = 0;
  const total = DEMO_COUNCILS.length + DEMO_AGENCIES.length;
  for (const council of DEMO_COUNCILS) {
    const slug = council.code.toLowerCase();
    const councilId = await insertOrganisation(db, {
      code: council.code,
      kind: 'council',
      name: council.name,
      officeHoursPhone: `${council.phonePrefix}100`,
      emergencyDutyPhone: `${council.phonePrefix}199`,
      email: `childrens.front.door@${slug}.gov.test`,
    });
    ids.set(council.code, councilId);
    const teams = ['Front door (MASH)', 'Assessment', 'Child protection', 'Children looked after', 'Leaving care', 'Family help'];
    for (const [t, team] of teams.entries()) {
      const before = practitioners.length;
      addStaff(councilId, PRACTITIONER_ROLES.council, 6, `${slug}.gov.test`, `${council.phonePrefix}${(200 + t * 10).toString()}`);
      for (const p of practitioners.slice(before)) p.team = team;
    }
    for (let g = 1; g <= GP_PRACTICES_PER_COUNCIL; g++) {
      const code = `GP-${council.code}-${g}`;
      const id = await insertOrganisation(db, {
        code,
        kind: 'gp_practice',
        name: `${faker.location.street()} Medical Practice`,
        councilId,
        officeHoursPhone: `${council.phonePrefix}${(300 + g).toString()}`,
        odsCode: `Y${faker.string.numeric(5)}`,
      });
      ids.set(code, id);
      addStaff(id, PRACTITIONER_ROLES.gp_practice, 3, `gp${g}.${slug}.nhs.test`, `${council.phonePrefix}${(300 + g).toString()}`);
    }
    for (let s = 1; s <= SCHOOLS_PER_COUNCIL; s++) {
      const code = `SCH-${council.code}-${s}`;
      const phase = s <= 5 ? 'Primary School' : 'Academy';
      const id = await insertOrganisation(db, {
        code,
        kind: 'school',
        name: `${faker.location.street().replace(/ (Road|Street|Lane|Avenue|Close|Way|Drive)$/, '')} ${phase}`,
        councilId,
        officeHoursPhone: `${council.phonePrefix}${(400 + s).toString()}`,
        urn: String(100000 + faker.number.int({ min: 0, max: 49999 }) + s),
      });
      ids.set(code, id);
      addStaff(id, PRACTITIONER_ROLES.school, 3, `school${s}.${slug}.sch.test`, `${council.phonePrefix}${(400 + s).toString()}`);
    }
    options.onProgress?.('directory', ++done, total);
  }
  for (const agency of DEMO_AGENCIES) {
    const id = await insertOrganisation(db, { code: agency.code, kind: agency.kind, name: agency.name, officeHoursPhone: agency.phone, email: agency.email });
    ids.set(agency.code, id);
    const roles = PRACTITIONER_ROLES[agency.kind];
    addStaff(id, roles, 12, agency.email.split('@')[1]!, agency.phone);
    options.onProgress?.('directory', ++done, total);
  }
  // A demo account is also the directory's practitioner in its role, so its name is on the
  // involvements that practitioner holds (the school's safeguarding lead is Grace Whitfield).
  for (const account of DEMO_ACCOUNTS) {
    if (!account.practitioner) continue;
    const { role, team } = account.practitioner;
    const organisationId = ids.get(account.organisationCode);
    const person = practitioners.find((p) => p.organisationId === organisationId && p.role === role && (team === undefined || p.team === team));
    if (person) Object.assign(person, { id: randomUUID(), name: account.displayName, email: account.email });
  }
  await insertPractitioners(db, practitioners);

  // Vetting dates well inside their validity, relative to the clock so the demo never lapses.
  const today = ukDate(clock.now());
  for (const account of DEMO_ACCOUNTS) {
    await users.add({
      organisationId: ids.get(account.organisationCode)!,
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      // The account is its practitioner entry: its involvements are its relationships (case view, lead professional).
      practitionerId: practitioners.find((p) => p.email === account.email)?.id ?? null,
      password: DEMO_PASSWORD,
      dbsCheckedOn: addDays(today, -400),
      trainingCompletedOn: addDays(today, -200),
      agreementSignedOn: addDays(today, -100),
      ...(account.preEnrolled ? { totpSecret: DEMO_TOTP_SECRET } : {}),
    });
  }
  return { organisations: ids.size, practitioners: practitioners.length, accounts: DEMO_ACCOUNTS.length };
}
