import { randomUUID } from 'node:crypto';
import type { Config } from '../platform/config/config.js';
import type { Db, DbOrTx } from '../platform/db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { isCalendarDate, ukDate } from '../platform/time/calendar-date.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './password.js';
import { ACCOUNT_ROLES, isAccountRole } from './roles.js';
import { isDormant } from './vetting.js';
import type { SessionsService } from './sessions.service.js';
import type { SignInService } from './sign-in.service.js';
import { disableUser, findUserByEmail, insertUser, listActiveUsersOfOrganisation, listUsers, reinstateUser, resetTotp } from './users.repository.js';
import { enableUser, setUserRole, setVettingDates } from './users.repository.js';
import { endAllSessionsOfUser } from './sessions.repository.js';
import { findUserByOidcIdentity, setOidcIdentity } from './users.repository.js';

export interface NewAccount {
  organisationId: string;
  email: string;
  displayName: string;
  role: string;
  password: string;
  dbsCheckedOn: string;
  trainingCompletedOn: string;
  agreementSignedOn: string;
  /** Pre-enrolled TOTP secret (demo accounts only); others enrol on first sign-in. */
  totpSecret?: string;
  practitionerId?: string | null;
}

export interface AccountSummary {
  email: string;
  displayName: string;
  role: string;
  organisationName: string;
  mfa: 'enrolled' | 'not enrolled';
  status: 'active' | 'disabled' | 'locked' | 'suspended (unused)';
  lastSignedInAt: Date | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Account administration: add, list, disable, reset MFA. Used by the CLI and admin pages. */
export class UsersService {
  constructor(private readonly deps: { db: Db; clock: Clock; config: Config; signIn: SignInService; sessions: SessionsService }) {}

  /** What is wrong with a new account's details, by field (empty when nothing is). */
  problems(account: NewAccount): Record<string, string> {
    const fields: Record<string, string> = {};
    if (!EMAIL.test(account.email)) fields.email = 'Enter an email address like name@council.gov.uk';
    if (!account.displayName.trim()) fields.name = 'Enter the person\'s name';
    if (!isAccountRole(account.role)) fields.role = `Choose a role: ${ACCOUNT_ROLES.join(', ')}`;
    if (account.password.length < MIN_PASSWORD_LENGTH) fields.password = `Use a password of at least ${MIN_PASSWORD_LENGTH} characters`;
    const today = ukDate(this.deps.clock.now());
    for (const [field, value] of [['dbs', account.dbsCheckedOn], ['training', account.trainingCompletedOn], ['agreement', account.agreementSignedOn]] as const) {
      if (!isCalendarDate(value)) fields[field] = `Enter the ${field} date as YYYY-MM-DD`;
      else if (value > today) fields[field] = `The ${field} date cannot be in the future`;
    }
    return fields;
  }

  /** Adds an account, in `tx` when given (e.g. with its audit entry). */
  async add(account: NewAccount, tx: DbOrTx = this.deps.db): Promise<string> {
    const fields = this.problems(account);
    if (Object.keys(fields).length > 0) throw new ValidationError('The account details are not valid', fields);
    if (await findUserByEmail(tx, account.email)) throw new ConflictError(`An account with the email ${account.email} already exists`);
    const passwordHash = await hashPassword(account.password);
    const id = randomUUID();
    return insertUser(tx, {
        id,
        organisationId: account.organisationId,
        practitionerId: account.practitionerId ?? null,
        email: account.email,
        displayName: account.displayName.trim(),
        role: account.role,
        passwordHash,
        dbsCheckedOn: account.dbsCheckedOn,
        trainingCompletedOn: account.trainingCompletedOn,
        agreementSignedOn: account.agreementSignedOn,
        totpSecret: account.totpSecret ? this.deps.signIn.sealSecret(id, account.totpSecret) : null,
        totpEnrolledAt: account.totpSecret ? this.deps.clock.now() : null,
        createdAt: this.deps.clock.now(),
      });
  }

  async list(): Promise<AccountSummary[]> {
    const now = this.deps.clock.now();
    return (await listUsers(this.deps.db)).map((row) => ({
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      organisationName: row.organisation_name,
      mfa: row.totp_enrolled_at ? 'enrolled' : 'not enrolled',
      status: row.disabled_at
        ? 'disabled'
        : isDormant({ lastSignedInAt: row.last_signed_in_at, createdAt: row.created_at, reinstatedAt: row.reinstated_at }, now, this.deps.config.vetting.dormantDays)
          ? 'suspended (unused)'
          : row.locked_until && row.locked_until > now ? 'locked' : 'active',
      lastSignedInAt: row.last_signed_in_at,
    }));
  }

  /** The organisation's accounts that are not disabled, by name: e.g. to name a seal-holder. */
  async listInOrganisation(organisationId: string): Promise<{ id: string; displayName: string; email: string; role: string }[]> {
    const rows = await listActiveUsersOfOrganisation(this.deps.db, organisationId);
    return rows.map((row) => ({ id: row.id, displayName: row.display_name, email: row.email, role: row.role }));
  }

  async disable(email: string): Promise<void> {
    const user = await this.require(email);
    await disableUser(this.deps.db, user.id, this.deps.clock.now());
    await this.deps.sessions.endAllFor(user.id);
  }

  /** Lets an account suspended for not being used sign in again; its 90 days start again now. */
  async reinstate(email: string): Promise<void> {
    const user = await this.require(email);
    await reinstateUser(this.deps.db, user.id, this.deps.clock.now());
  }

  /**
   * Links an account to the person's identity at their organisation's provider, so they can use
   * single sign-on: the tenant id and object id (Entra `tid` and `oid`), never the email address,
   * which organisations rename and reuse. Re-linking the same account replaces its identity.
   */
  async linkSso(email: string, tenantId: string, objectId: string): Promise<void> {
    const identifier = /^[A-Za-z0-9._:-]{1,200}$/;
    const fields: Record<string, string> = {};
    if (!identifier.test(tenantId.trim())) fields.tenant = 'Enter the tenant id (the tid claim), e.g. a GUID';
    if (!identifier.test(objectId.trim())) fields['object-id'] = 'Enter the person\'s object id at the provider (the oid claim), e.g. a GUID';
    if (Object.keys(fields).length > 0) throw new ValidationError('The single sign-on identity is not valid', fields);
    const user = await this.require(email);
    const holder = await findUserByOidcIdentity(this.deps.db, tenantId.trim(), objectId.trim());
    if (holder && holder.id !== user.id) throw new ConflictError(`That identity is already linked to the account ${holder.email}`);
    try {
      await setOidcIdentity(this.deps.db, user.id, tenantId.trim(), objectId.trim());
    } catch (error) {
      // Another administrator linked the same identity a moment ago.
      if ((error as { code?: string }).code === '23505') throw new ConflictError('That identity is already linked to another account');
      throw error;
    }
  }

  /** Clears the authenticator so the person enrols again at their next sign-in. */
  async resetMfa(email: string): Promise<void> {
    const user = await this.require(email);
    await resetTotp(this.deps.db, user.id);
    await this.deps.sessions.endAllFor(user.id);
  }

  /*
   * Transaction-aware changes for the administration pages: each runs in the caller's transaction,
   * with its audit entry, and takes the account's id (the caller has already decided it may).
   */

  async changeRoleIn(tx: DbOrTx, userId: string, role: string): Promise<void> {
    if (!isAccountRole(role)) throw new ValidationError('Choose a role', { role: 'Choose a role' });
    await setUserRole(tx, userId, role);
  }

  /** Records renewed vetting dates; blank ones stay as they were, at least one must be given. */
  async recordVettingIn(tx: DbOrTx, userId: string, dates: { dbsCheckedOn?: string; trainingCompletedOn?: string; agreementSignedOn?: string }): Promise<void> {
    const fields: Record<string, string> = {};
    const today = ukDate(this.deps.clock.now());
    for (const [field, value] of [['dbs', dates.dbsCheckedOn], ['training', dates.trainingCompletedOn], ['agreement', dates.agreementSignedOn]] as const) {
      if (value === undefined) continue;
      if (!isCalendarDate(value)) fields[field] = `Enter the ${field} date as a real date`;
      else if (value > today) fields[field] = `The ${field} date cannot be in the future`;
    }
    if (!dates.dbsCheckedOn && !dates.trainingCompletedOn && !dates.agreementSignedOn) fields.dbs = 'Enter at least one renewed date';
    if (Object.keys(fields).length > 0) throw new ValidationError('The dates are not valid', fields);
    await setVettingDates(tx, userId, dates);
  }

  async disableIn(tx: DbOrTx, userId: string): Promise<void> {
    await disableUser(tx, userId, this.deps.clock.now());
    await endAllSessionsOfUser(tx, userId, this.deps.clock.now());
  }

  /** Lets a disabled or unused (dormant) account sign in again; its 90 days restart now. */
  async reinstateIn(tx: DbOrTx, userId: string): Promise<void> {
    await enableUser(tx, userId, this.deps.clock.now());
  }

  async resetMfaIn(tx: DbOrTx, userId: string): Promise<void> {
    await resetTotp(tx, userId);
    await endAllSessionsOfUser(tx, userId, this.deps.clock.now());
  }

  private async require(email: string) {
    const user = await findUserByEmail(this.deps.db, email);
    if (!user) throw new NotFoundError(`There is no account with the email ${email}. List accounts with: npx signpost users list`);
    return user;
  }
}
