import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

export type UserRow = Awaited<ReturnType<typeof findUserById>>;

const userColumns = [
  'users.id', 'users.email', 'users.display_name', 'users.role', 'users.organisation_id', 'users.password_hash',
  'users.totp_secret', 'users.totp_enrolled_at', 'users.totp_last_step', 'users.dbs_checked_on',
  'users.training_completed_on', 'users.agreement_signed_on', 'users.failed_signins', 'users.locked_until',
  'users.disabled_at', 'users.last_signed_in_at', 'users.reinstated_at', 'users.created_at', 'organisations.name as organisation_name',
] as const;

export function findUserById(db: DbOrTx, id: string) {
  return db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(userColumns).where('users.id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: DbOrTx, email: string) {
  return db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(userColumns).where(sql<string>`lower(users.email)`, '=', email.trim().toLowerCase()).executeTakeFirst();
}

/** The account linked to an identity at an organisation's provider (Entra `tid` + `oid`). */
export function findUserByOidcIdentity(db: DbOrTx, tenantId: string, objectId: string) {
  return db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(userColumns).where('users.oidc_tenant_id', '=', tenantId).where('users.oidc_object_id', '=', objectId).executeTakeFirst();
}

/** Links (or re-links) an account to one provider identity; the pair is unique across accounts. */
export async function setOidcIdentity(db: DbOrTx, id: string, tenantId: string, objectId: string): Promise<void> {
  await db.updateTable('users').set({ oidc_tenant_id: tenantId, oidc_object_id: objectId }).where('id', '=', id).execute();
}

export function listUsers(db: DbOrTx) {
  return db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(userColumns).orderBy('organisations.name').orderBy('users.email').execute();
}

/** Accounts still in use in one organisation, by name: for choosing a colleague on a page. */
export function listActiveUsersOfOrganisation(db: DbOrTx, organisationId: string) {
  return db.selectFrom('users').select(['id', 'display_name', 'email', 'role'])
    .where('organisation_id', '=', organisationId).where('disabled_at', 'is', null)
    .orderBy('display_name').orderBy('email').execute();
}

export interface NewUser {
  id: string;
  organisationId: string;
  practitionerId?: string | null;
  email: string;
  displayName: string;
  role: string;
  passwordHash: string;
  totpSecret?: Buffer | null;
  totpEnrolledAt?: Date | null;
  dbsCheckedOn: string;
  trainingCompletedOn: string;
  agreementSignedOn: string;
  /** From the injected clock, so dormancy is measured on the same clock as sign-ins. */
  createdAt: Date;
}

export async function insertUser(db: DbOrTx, user: NewUser): Promise<string> {
  const row = await db.insertInto('users').values({
    id: user.id,
    organisation_id: user.organisationId,
    practitioner_id: user.practitionerId ?? null,
    email: user.email.trim(),
    display_name: user.displayName,
    role: user.role,
    password_hash: user.passwordHash,
    totp_secret: user.totpSecret ?? null,
    totp_enrolled_at: user.totpEnrolledAt ?? null,
    dbs_checked_on: user.dbsCheckedOn,
    training_completed_on: user.trainingCompletedOn,
    agreement_signed_on: user.agreementSignedOn,
    created_at: user.createdAt,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function recordFailedSignIn(db: DbOrTx, id: string, maxFailures: number, lockUntil: Date): Promise<void> {
  await db.updateTable('users').set((eb) => ({
    failed_signins: eb('failed_signins', '+', 1),
    locked_until: eb.case().when('failed_signins', '>=', maxFailures - 1).then(lockUntil).else(eb.ref('locked_until')).end(),
  })).where('id', '=', id).execute();
}

export async function recordSuccessfulSignIn(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.updateTable('users').set({ failed_signins: 0, locked_until: null, last_signed_in_at: at }).where('id', '=', id).execute();
}

export async function setPendingTotpSecret(db: DbOrTx, id: string, sealed: Buffer): Promise<void> {
  await db.updateTable('users').set({ totp_secret: sealed, totp_enrolled_at: null, totp_last_step: 0 }).where('id', '=', id).execute();
}

export async function confirmTotpEnrolment(db: DbOrTx, id: string, at: Date, step: number): Promise<void> {
  await db.updateTable('users').set({ totp_enrolled_at: at, totp_last_step: step }).where('id', '=', id).execute();
}

/** Accepts a TOTP step only if it is newer than the last one: the update is the replay check. */
export async function acceptTotpStep(db: DbOrTx, id: string, step: number): Promise<boolean> {
  const result = await db.updateTable('users').set({ totp_last_step: step })
    .where('id', '=', id).where('totp_last_step', '<', step).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function resetTotp(db: DbOrTx, id: string): Promise<void> {
  await db.updateTable('users').set({ totp_secret: null, totp_enrolled_at: null, totp_last_step: 0 }).where('id', '=', id).execute();
}

export async function disableUser(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.updateTable('users').set({ disabled_at: at }).where('id', '=', id).execute();
}

/** Lets a dormant account sign in again; the 90 days count from now. */
export async function reinstateUser(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.updateTable('users').set({ reinstated_at: at, failed_signins: 0, locked_until: null }).where('id', '=', id).execute();
}

export async function setUserRole(db: DbOrTx, id: string, role: string): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', id).execute();
}

/** Records renewed vetting: only the dates given change. */
export async function setVettingDates(db: DbOrTx, id: string, dates: { dbsCheckedOn?: string; trainingCompletedOn?: string; agreementSignedOn?: string }): Promise<void> {
  await db.updateTable('users').set({
    ...(dates.dbsCheckedOn ? { dbs_checked_on: dates.dbsCheckedOn } : {}),
    ...(dates.trainingCompletedOn ? { training_completed_on: dates.trainingCompletedOn } : {}),
    ...(dates.agreementSignedOn ? { agreement_signed_on: dates.agreementSignedOn } : {}),
  }).where('id', '=', id).execute();
}

/** Lets a disabled account sign in again (an administrator's decision); its 90 days restart too. */
export async function enableUser(db: DbOrTx, id: string, at: Date): Promise<void> {
  await db.updateTable('users').set({ disabled_at: null, reinstated_at: at, failed_signins: 0, locked_until: null }).where('id', '=', id).execute();
}
