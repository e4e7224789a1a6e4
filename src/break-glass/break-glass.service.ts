import { resolveSurvivor } from '../match-review/match-review.repository.js';
import { inTransaction, type Db } from '../platform/db/database.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { formatDate, ukDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import type { SignInService } from '../accounts/sign-in.service.js';
import type { SessionState } from '../platform/http/request-context.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { raiseAlert } from '../oversight/oversight.repository.js';
import { isUuid } from '../involvements/field-errors.js';
import { findChildCouncil, findTotp, insertGrant, latestBreakGlassEntryId, linkAlert } from './break-glass.repository.js';
import { findLeadProfessionalUsers } from '../notifications/notifications.repository.js';

export const BREAK_GLASS_REASONS = [
  { code: 'significant_harm', text: 'Immediate risk of significant harm' },
  { code: 'emergency_medical', text: 'Emergency medical treatment' },
  { code: 'police_emergency', text: 'Police emergency' },
  { code: 'missing_child', text: 'Missing child' },
  { code: 'other', text: 'Other' },
] as const;

export interface BreakGlassInput {
  reasonCode: string;
  reasonText: string;
  code: string;
  /** A security key's answer (WebAuthn assertion JSON) instead of a code; needs the session. */
  credential?: string;
}

const HOUR_MS = 3_600_000;
const WRONG_CODE = 'The security code is wrong or has already been used. Enter the current code from your authenticator app';
export const NO_TOTP = 'Emergency access needs a fresh code from an authenticator app, and your account does not have one set up. Ask your council\'s duty team to look instead, or your administrator to set up your authenticator';

/**
 * Break-glass (SECURITY §1): a grant, not a flag. A coded reason and free text, a fresh TOTP code
 * checked now by the sign-in check (a code already used is refused; a wrong one counts toward the
 * account lockout, and a locked account cannot break the glass), a grant that ends after the
 * configured hours, and in the same transaction: the audit entry, an alert in the child's council's
 * oversight queue (its review there is the grant's review) and notices to the lead professional and
 * the council's duty inbox. A refused attempt is committed with its audit entry and its count
 * toward the lockout. A registered security key may stand in for the code (its challenge issued
 * with the form, on the person's session, so it is as fresh as a code).
 */
export class BreakGlassService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; notifications: NotificationsService; signIn: SignInService; hours: number }) {}

  async grant(viewer: Viewer, childId: string, input: BreakGlassInput, requestId: string | null, session: SessionState | null = null): Promise<{ grantId: string; expiresAt: Date }> {
    if (viewer.kind !== 'user' || !isUuid(childId)) throw new NotFoundError('No child with this reference');
    // A record merged into another answers as the surviving record: the grant is for the child.
    const id = await resolveSurvivor(this.deps.db, childId.toLowerCase());
    const reason = BREAK_GLASS_REASONS.find((r) => r.code === input.reasonCode);
    const text = input.reasonText.trim();
    const code = input.code.replace(/\s/g, '');
    const credential = input.credential ?? '';
    const withKey = credential !== '' && session !== null && session.userId === viewer.userId;
    const fields: Record<string, string> = {};
    if (!reason) fields['reasonCode'] = 'Select why you need emergency access';
    if (!text) fields['reasonText'] = 'Describe the emergency and why you need this child\'s case record now';
    else if (text.length > 1000) fields['reasonText'] = 'The description must be 1000 characters or fewer';
    if (!withKey) {
      if (!/^[0-9]{6}$/.test(code)) fields['code'] = 'Enter the 6-digit code from your authenticator app';
      const user = await findTotp(this.deps.db, viewer.userId);
      if (!user?.totp_secret || !user.totp_enrolled_at) fields['code'] = NO_TOTP;
    }
    if (Object.keys(fields).length > 0 || !reason) throw new ValidationError('Check the emergency access request', fields);
    const auditReason = `${reason.text}: ${text}`.slice(0, 1000);

    const outcome = await inTransaction(this.deps.db, async (tx) => {
      const child = await findChildCouncil(tx, id);
      if (!child) return { kind: 'missing' as const };
      const now = this.deps.clock.now();
      // The same checks as signing in: a wrong code or refused key here counts toward the account
      // lockout too, and the failure is committed with this refusal's audit entry.
      const check = withKey ? await this.deps.signIn.verifySecurityKey(tx, session, credential) : await this.deps.signIn.verifyTotp(tx, viewer.userId, code);
      if (!check.ok) {
        await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'break_glass', childId: id, basis: check.because, reason: auditReason, outcome: 'refused', requestId });
        return { kind: 'bad-code' as const, field: withKey ? 'security-key' : 'code', message: check.because === 'account locked' || withKey ? check.message : WRONG_CODE };
      }
      const expiresAt = new Date(now.getTime() + this.deps.hours * HOUR_MS);
      const grantId = await insertGrant(tx, { userId: viewer.userId, childId: id, reasonCode: reason.code, reasonText: text, grantedAt: now, expiresAt });
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'break_glass', childId: id, basis: withKey ? 'break-glass: fresh security key' : 'break-glass: fresh security code', reason: auditReason, outcome: 'allowed', requestId });
      const entryId = await latestBreakGlassEntryId(tx, viewer.userId, id);
      const alertId = await raiseAlert(tx, {
        rule: 'break_glass_used', subjectUserId: viewer.userId, subjectApiClient: null, organisationId: viewer.organisationId,
        councilId: child.responsible_council_id, childId: id, windowKey: `grant:${grantId}`, windowStart: now, windowEnd: expiresAt, raisedAt: now,
        summary: `Emergency access (${reason.text.toLowerCase()}) granted on ${formatDate(ukDate(now))} for ${this.deps.hours} hours`, entryIds: [entryId],
      });
      await linkAlert(tx, grantId, alertId);
      const leads = await findLeadProfessionalUsers(tx, id, ukDate(now));
      const notice = { kind: 'break_glass_used' as const, childId: id, actorUserId: viewer.userId, actorOrganisationId: viewer.organisationId, reason: auditReason };
      await this.deps.notifications.send(tx, [
        { ...notice, recipientCouncilId: child.responsible_council_id },
        ...leads.filter((u) => u !== viewer.userId).map((u) => ({ ...notice, recipientUserId: u })),
      ]);
      return { kind: 'granted' as const, grantId, expiresAt };
    });
    if (outcome.kind === 'missing') throw new NotFoundError('No child with this reference');
    if (outcome.kind === 'bad-code') throw new ValidationError('Check the emergency access request', { [outcome.field]: outcome.message });
    return { grantId: outcome.grantId, expiresAt: outcome.expiresAt };
  }
}
