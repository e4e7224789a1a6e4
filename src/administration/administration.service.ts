import { randomBytes } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { UsersService } from '../accounts/users.service.js';
import { ACCOUNT_ROLES, type AccountRole } from '../accounts/roles.js';
import { isDormant } from '../accounts/vetting.js';
import { isUuid } from '../involvements/field-errors.js';
import type { Config } from '../platform/config/config.js';
import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { addDays, addYears, ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import {
  administeredOrganisations, findAccountForAdministration, findOrganisationForAdministration, insertAccessReview,
  latestReviewsOf, listAccountsOfOrganisations, openInvolvementsOfPractitioners, sealHolderGrantsOf, type AdministeredAccountRow,
} from './administration.repository.js';
import { isAdministrator, mayAdminister, type Administrator } from './may-administer.js';

/** The person using the pages, as the request carries them. */
export interface AdminViewer {
  id: string;
  role: string;
  organisationId: string;
}

/** Roles in plain words: lower case for sentences (and audit reasons), with labels for forms. */
export const ROLE_WORDS: Record<AccountRole, string> = {
  practitioner: 'practitioner',
  social_worker: 'social worker',
  mash_officer: 'MASH officer',
  information_governance_officer: 'information governance officer',
  council_administrator: 'council administrator',
};
export const roleWords = (role: string): string => (ROLE_WORDS as Record<string, string>)[role] ?? role.replace(/_/g, ' ');
export const roleLabel = (role: string): string => { const w = roleWords(role); return w.charAt(0).toUpperCase() + w.slice(1); };
export const ROLE_OPTIONS = ACCOUNT_ROLES.map((value) => ({ value, text: roleLabel(value) }));

export type VettingTag = 'current' | 'lapsing' | 'lapsed';
export interface VettingItem { label: string; done: CalendarDate; expires: CalendarDate; tag: VettingTag }

export interface AdministeredAccount {
  id: string;
  email: string;
  displayName: string;
  role: string;
  roleText: string;
  organisationId: string;
  organisationName: string;
  mfaEnrolled: boolean;
  status: 'active' | 'disabled' | 'locked' | 'suspended (unused)';
  vetting: VettingItem[];
  vettingTag: VettingTag;
  lastSignedInAt: Date | null;
  practitionerId: string | null;
}

export interface Relationship { childId: string; role: string; since: CalendarDate }
export interface AccessReviewEntry extends AdministeredAccount {
  relationships: Relationship[];
  relationshipCount: number;
  sealHolderOf: string[];
  lastReview: { outcome: string; at: Date; by: string } | null;
  reviewDue: boolean;
}

export interface NewAccountForm {
  organisationId: string;
  role: string;
  displayName: string;
  email: string;
  dbsCheckedOn: string;
  trainingCompletedOn: string;
  agreementSignedOn: string;
}

export type AccountChange =
  | { kind: 'role'; role: string }
  | { kind: 'vetting'; dbsCheckedOn?: string; trainingCompletedOn?: string; agreementSignedOn?: string }
  | { kind: 'disable' }
  | { kind: 'reinstate' }
  | { kind: 'reset-mfa' };

export const REVIEW_OUTCOMES = { keep: 'access_still_needed', remove: 'access_removed' } as const;

/** Accounts not confirmed for this long are flagged on the access review. */
export const REVIEW_DUE_DAYS = 90;
/** How many relationships the review lists by reference before it only counts them. */
const RELATIONSHIPS_SHOWN = 5;
const WARNING_DAYS = 30;
const BASIS = 'council administrator';

/**
 * Accounts administered per council by its own administrators (issue 4 item 6), and the periodic
 * access review. Every method decides with `mayAdminister` first; anything the viewer may not
 * administer is "not found", as for a page that does not exist. Every change is written with its
 * audit entry in one transaction.
 */
export class AdministrationService {
  constructor(private readonly deps: { db: Db; clock: Clock; config: Config; audit: AuditService; users: UsersService }) {}

  /** The viewer as an administrator, or not found for anyone else. */
  async administrator(viewer: AdminViewer): Promise<Administrator> {
    if (!isAdministrator(viewer)) throw new NotFoundError();
    const organisation = await findOrganisationForAdministration(this.deps.db, viewer.organisationId);
    if (!organisation) throw new NotFoundError();
    return { role: viewer.role, organisationId: viewer.organisationId, organisationKind: organisation.kind };
  }

  async organisations(viewer: AdminViewer): Promise<{ id: string; name: string }[]> {
    const admin = await this.administrator(viewer);
    const rows = await administeredOrganisations(this.deps.db, admin.organisationId);
    return rows.filter((o) => mayAdminister(admin, { id: o.id, councilId: o.council_id })).map((o) => ({ id: o.id, name: o.name }));
  }

  async listAccounts(viewer: AdminViewer): Promise<AdministeredAccount[]> {
    const organisations = await this.organisations(viewer);
    const rows = await listAccountsOfOrganisations(this.deps.db, organisations.map((o) => o.id));
    return rows.map((row) => this.summarise(row));
  }

  /** One account the viewer administers, or not found. */
  async account(viewer: AdminViewer, userId: string): Promise<AdministeredAccount> {
    return this.summarise(await this.requireAccount(viewer, userId));
  }

  /**
   * Adds an account with a generated temporary password, returned once for the confirmation page
   * and never stored in clear. The person sets up MFA at their first sign-in.
   */
  async add(viewer: AdminViewer, form: NewAccountForm, formErrors: Record<string, string>, requestId: string): Promise<{ id: string; temporaryPassword: string }> {
    const organisations = await this.organisations(viewer);
    const temporaryPassword = randomBytes(12).toString('base64url');
    const account = { ...form, password: temporaryPassword };
    const fields: Record<string, string> = { ...this.deps.users.problems(account), ...formErrors };
    if (!organisations.some((o) => o.id === form.organisationId)) fields.organisation = 'Choose the person\'s organisation';
    if (fields.role) fields.role = 'Choose the person\'s role';
    for (const [field, label] of [['dbs', 'enhanced DBS check'], ['training', 'training'], ['agreement', 'user agreement']] as const) {
      if (fields[field] && !formErrors[field]) fields[field] = `The date of the ${label} must be today or in the past`;
    }
    if (Object.keys(fields).length > 0) throw new ValidationError('The account details are not valid', fields);
    try {
      const id = await inTransaction(this.deps.db, async (tx) => {
        const created = await this.deps.users.add(account, tx);
        await this.record(tx, viewer, 'create', `account added with role ${roleWords(form.role)}`, requestId);
        return created;
      });
      return { id, temporaryPassword };
    } catch (error) {
      const duplicate = error instanceof ConflictError || (error as { code?: string }).code === '23505';
      if (duplicate) throw new ValidationError('The account details are not valid', { email: 'There is already an account with this email address' });
      throw error;
    }
  }

  /** Applies one change to an account the viewer administers, with its audit entry. */
  async change(viewer: AdminViewer, userId: string, change: AccountChange, requestId: string): Promise<void> {
    await this.requireAccount(viewer, userId);
    // Another administrator decides on an administrator's own role and access: nobody locks
    // themselves out by mistake, nor keeps access they should not have.
    if (userId === viewer.id && (change.kind === 'role' || change.kind === 'disable')) {
      throw new ValidationError('Ask another administrator', { action: 'You cannot change the role of, or disable, your own account. Ask another administrator.' });
    }
    const { users } = this.deps;
    await inTransaction(this.deps.db, async (tx) => {
      switch (change.kind) {
        case 'role':
          await users.changeRoleIn(tx, userId, change.role);
          await this.record(tx, viewer, 'update', `role changed to ${roleWords(change.role)}`, requestId);
          break;
        case 'vetting': {
          const dates = { dbsCheckedOn: change.dbsCheckedOn, trainingCompletedOn: change.trainingCompletedOn, agreementSignedOn: change.agreementSignedOn };
          await users.recordVettingIn(tx, userId, dates);
          const renewed = [dates.dbsCheckedOn && 'DBS check', dates.trainingCompletedOn && 'training', dates.agreementSignedOn && 'user agreement'].filter(Boolean);
          await this.record(tx, viewer, 'update', `vetting renewed: ${renewed.join(', ')}`, requestId);
          break;
        }
        case 'disable':
          await users.disableIn(tx, userId);
          await this.record(tx, viewer, 'update', 'account disabled', requestId);
          break;
        case 'reinstate':
          await users.reinstateIn(tx, userId);
          await this.record(tx, viewer, 'update', 'account reinstated', requestId);
          break;
        case 'reset-mfa':
          await users.resetMfaIn(tx, userId);
          await this.record(tx, viewer, 'update', 'MFA reset', requestId);
          break;
      }
    });
  }

  /** The periodic access review: each account with its relationships, grants and last review. */
  async accessReview(viewer: AdminViewer): Promise<AccessReviewEntry[]> {
    const accounts = await this.listAccounts(viewer);
    const today = ukDate(this.deps.clock.now());
    const practitionerIds = [...new Set(accounts.map((a) => a.practitionerId).filter((id): id is string => id !== null))];
    const userIds = accounts.map((a) => a.id);
    const [involvements, grants, reviews] = await Promise.all([
      openInvolvementsOfPractitioners(this.deps.db, practitionerIds, today),
      sealHolderGrantsOf(this.deps.db, userIds),
      latestReviewsOf(this.deps.db, userIds),
    ]);
    const dueBefore = this.deps.clock.now().getTime() - REVIEW_DUE_DAYS * 24 * 60 * 60 * 1000;
    return accounts.map((account) => {
      const relationships = account.practitionerId === null ? [] : involvements
        .filter((i) => i.practitioner_id === account.practitionerId)
        .map((i) => ({ childId: i.child_id, role: i.role.replace(/_/g, ' '), since: i.started_on }));
      const review = reviews.find((r) => r.user_id === account.id);
      return {
        ...account,
        relationships: relationships.slice(0, RELATIONSHIPS_SHOWN),
        relationshipCount: relationships.length,
        sealHolderOf: grants.filter((g) => g.user_id === account.id).map((g) => g.child_id),
        lastReview: review ? { outcome: review.outcome, at: review.reviewed_at, by: review.reviewer_name } : null,
        reviewDue: !review || review.reviewed_at.getTime() < dueBefore,
      };
    });
  }

  /** Records a manager's review of one account; "remove" disables it in the same transaction. */
  async confirmReview(viewer: AdminViewer, userId: string, decision: string, requestId: string): Promise<void> {
    await this.requireAccount(viewer, userId);
    if (userId === viewer.id) throw new ValidationError('Ask another administrator', { outcome: 'You cannot review your own access. Ask another administrator.' });
    if (decision !== 'keep' && decision !== 'remove') throw new ValidationError('Choose whether the person still needs access', { outcome: 'Choose whether the person still needs access' });
    const outcome = REVIEW_OUTCOMES[decision];
    await inTransaction(this.deps.db, async (tx) => {
      if (decision === 'remove') await this.deps.users.disableIn(tx, userId);
      await insertAccessReview(tx, { userId, reviewedBy: viewer.id, outcome, reviewedAt: this.deps.clock.now() });
      await this.record(tx, viewer, 'update', decision === 'remove' ? 'access review: access removed' : 'access review: access still needed', requestId);
    });
  }

  private async requireAccount(viewer: AdminViewer, userId: string): Promise<AdministeredAccountRow> {
    const admin = await this.administrator(viewer);
    if (!isUuid(userId)) throw new NotFoundError();
    const row = await findAccountForAdministration(this.deps.db, userId);
    if (!row || !mayAdminister(admin, { id: row.organisation_id, councilId: row.organisation_council_id })) throw new NotFoundError();
    return row;
  }

  private record(tx: DbOrTx, viewer: AdminViewer, action: 'create' | 'update', reason: string, requestId: string): Promise<void> {
    return this.deps.audit.record(tx, {
      action, actorUserId: viewer.id, actorOrganisationId: viewer.organisationId, actorRole: viewer.role,
      basis: BASIS, reason, outcome: 'allowed', requestId,
    });
  }

  private summarise(row: AdministeredAccountRow): AdministeredAccount {
    const now = this.deps.clock.now();
    const today = ukDate(now);
    const rules = this.deps.config.vetting;
    const vetting = [
      { label: 'Enhanced DBS check', done: row.dbs_checked_on, years: rules.dbsValidYears },
      { label: 'Training', done: row.training_completed_on, years: rules.trainingValidYears },
      { label: 'User agreement', done: row.agreement_signed_on, years: rules.agreementValidYears },
    ].map(({ label, done, years }): VettingItem => {
      const expires = addYears(done, years);
      const tag: VettingTag = today >= expires ? 'lapsed' : addDays(today, WARNING_DAYS) >= expires ? 'lapsing' : 'current';
      return { label, done, expires, tag };
    });
    const dormant = isDormant({ lastSignedInAt: row.last_signed_in_at, createdAt: row.created_at, reinstatedAt: row.reinstated_at }, now, rules.dormantDays);
    return {
      id: row.id,
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      roleText: roleLabel(row.role),
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
      mfaEnrolled: row.totp_enrolled_at !== null,
      status: row.disabled_at ? 'disabled' : dormant ? 'suspended (unused)' : row.locked_until && row.locked_until > now ? 'locked' : 'active',
      vetting,
      vettingTag: vetting.some((v) => v.tag === 'lapsed') ? 'lapsed' : vetting.some((v) => v.tag === 'lapsing') ? 'lapsing' : 'current',
      lastSignedInAt: row.last_signed_in_at,
      practitionerId: row.practitioner_id,
    };
  }
}
