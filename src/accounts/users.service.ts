import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { isCalendarDate, ukDate } from '../platform/time/calendar-date.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './password.js';
import { ACCOUNT_ROLES, isAccountRole } from './roles.js';
import type { SessionsService } from './sessions.service.js';
import type { SignInService } from './sign-in.service.js';
import { disableUser, findUserByEmail, insertUser, listUsers, resetTotp } from './users.repository.js';

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
  status: 'active' | 'disabled' | 'locked';
  lastSignedInAt: Date | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Account administration: add, list, disable, reset MFA. Used by the CLI and admin pages. */
export class UsersService {
  constructor(private readonly deps: { db: Db; clock: Clock; signIn: SignInService; sessions: SessionsService }) {}

  async add(account: NewAccount): Promise<string> {
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
    if (Object.keys(fields).length > 0) throw new ValidationError('The account details are not valid', fields);
    if (await findUserByEmail(this.deps.db, account.email)) throw new ConflictError(`An account with the email ${account.email} already exists`);
    const passwordHash = await hashPassword(account.password);
    const id = randomUUID();
    return insertUser(this.deps.db, {
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
      status: row.disabled_at ? 'disabled' : row.locked_until && row.locked_until > now ? 'locked' : 'active',
      lastSignedInAt: row.last_signed_in_at,
    }));
  }

  async disable(email: string): Promise<void> {
    const user = await this.require(email);
    await disableUser(this.deps.db, user.id, this.deps.clock.now());
    await this.deps.sessions.endAllFor(user.id);
  }

  /** Clears the authenticator so the person enrols again at their next sign-in. */
  async resetMfa(email: string): Promise<void> {
    const user = await this.require(email);
    await resetTotp(this.deps.db, user.id);
    await this.deps.sessions.endAllFor(user.id);
  }

  private async require(email: string) {
    const user = await findUserByEmail(this.deps.db, email);
    if (!user) throw new NotFoundError(`There is no account with the email ${email}. List accounts with: npx signpost users list`);
    return user;
  }
}
