import { insertOrganisation } from '../../src/organisations/organisations.repository.js';
import { addDays, ukDate } from '../../src/platform/time/calendar-date.js';
import type { Viewer } from '../../src/access/viewer.js';
import type { TestApp } from '../build-test-app.js';
import { councilCodeOf } from './children.js';

export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let sequence = 0;

/** Named states for accounts: current vetting by default, or lapsed / about to lapse. */
export type AccountState = 'vetted' | 'dbs-lapsed' | 'training-lapsed' | 'dbs-expiring-soon' | 'not-enrolled';

export async function anOrganisation(t: TestApp, kind: 'council' | 'school' | 'police' = 'council'): Promise<string> {
  sequence += 1;
  return insertOrganisation(t.database.db, {
    code: `T${sequence}-${Date.now() % 100000}`,
    kind,
    name: `Test ${kind} ${sequence}`,
    officeHoursPhone: '0113 496 0100',
    emergencyDutyPhone: '0113 496 0199',
  });
}

export async function anAccount(t: TestApp, state: AccountState = 'vetted', overrides: { email?: string; organisationId?: string } = {}): Promise<{ email: string; id: string }> {
  sequence += 1;
  const today = ukDate(t.clock.now());
  const email = overrides.email ?? `person${sequence}@council.test`;
  const organisationId = overrides.organisationId ?? (await anOrganisation(t));
  const id = await t.services.users.add({
    organisationId,
    email,
    displayName: `Test Person ${sequence}`,
    role: 'social_worker',
    password: TEST_PASSWORD,
    // DBS checks are valid for 3 years: 1,096 days back is just past it.
    dbsCheckedOn: state === 'dbs-lapsed' ? addDays(today, -1096) : state === 'dbs-expiring-soon' ? addDays(today, -1085) : addDays(today, -300),
    trainingCompletedOn: state === 'training-lapsed' ? addDays(today, -1200) : addDays(today, -100),
    agreementSignedOn: addDays(today, -30),
    ...(state === 'not-enrolled' ? {} : { totpSecret: TEST_TOTP_SECRET }),
  });
  return { email, id };
}

/** A council with a vetted social worker in it, as the viewer most child-record tests act as. */
export async function aCouncilSocialWorker(t: TestApp): Promise<{ councilId: string; councilCode: string; worker: Viewer }> {
  const councilId = await anOrganisation(t, 'council');
  const councilCode = await councilCodeOf(t, councilId);
  const account = await anAccount(t, 'vetted', { organisationId: councilId });
  return { councilId, councilCode, worker: { kind: 'user', userId: account.id, organisationId: councilId, role: 'social_worker' } };
}
