import type { Config } from '../platform/config/config.js';
import type { Db, DbOrTx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { formatDateTime, ukDate } from '../platform/time/calendar-date.js';
import { decoyPasswordHash, verifyPassword } from './password.js';
import { matchTotpStep, newTotpSecret, totpQrSvg, totpUri } from './totp.js';
import {
  acceptTotpStep, confirmTotpEnrolment, findUserByEmail, findUserById, recordFailedSignIn, recordSuccessfulSignIn,
  setPendingTotpSecret, type UserRow,
} from './users.repository.js';
import { isDormant, vettingStatus } from './vetting.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SessionState } from '../platform/http/request-context.js';
import { acceptSecurityKeyUse, findSecurityKeyByCredentialId, listSecurityKeys } from './security-keys.repository.js';
import { parseAssertion, type WebAuthnCeremonies } from './webauthn.js';

export type PasswordOutcome =
  | { ok: true; userId: string; next: 'mfa_enrolment' | 'mfa_challenge' }
  | { ok: false; message: string };

export type CodeOutcome = { ok: true } | { ok: false; message: string };

/** A second factor checked: `because` is for the audit, `message` for the person. */
export type FactorCheck = { ok: true } | { ok: false; because: string; message: string };

const WRONG_CREDENTIALS = 'Enter a correct email address and password';
const WRONG_CODE = 'Enter the current 6-digit code from your authenticator app';
const KEY_REFUSED = 'Your security key was not accepted. Try it again, or enter a code from your authenticator app';

/** The TOTP secret's sealing purpose and its binding to one account. */
const TOTP_PURPOSE = 'totp-secret';
const totpBinding = (userId: string): string => `user:${userId}:totp`;

/**
 * Sign-in in two steps, password then a second factor (a TOTP code, or a registered security key),
 * with MFA mandatory for everyone. Refusals say what to do; unknown email and wrong password read
 * (and take) the same. Every failed second factor counts toward the same lockout.
 */
export class SignInService {
  constructor(private readonly deps: { db: Db; clock: Clock; config: Config; keys: Keyring; audit: AuditService; webauthn: WebAuthnCeremonies }) {}

  /** Every sign-in and failed sign-in is an audit entry (SECURITY.md §2). */
  private async audit(requestId: string, outcome: 'allowed' | 'refused', reason: string, user?: { id: string; organisation_id: string; role: string }): Promise<void> {
    await this.deps.audit.record(this.deps.db, {
      action: outcome === 'allowed' ? 'sign_in' : 'sign_in_failed',
      actorUserId: user?.id ?? null,
      actorOrganisationId: user?.organisation_id ?? null,
      actorRole: user?.role ?? null,
      reason,
      outcome,
      requestId,
    });
  }

  async checkPassword(email: string, password: string, requestId: string): Promise<PasswordOutcome> {
    const { db, clock } = this.deps;
    const user = await findUserByEmail(db, email);
    if (!user) {
      await verifyPassword(await decoyPasswordHash(), password);
      await this.audit(requestId, 'refused', 'unknown account');
      return { ok: false, message: WRONG_CREDENTIALS };
    }
    const now = clock.now();
    if (user.locked_until && user.locked_until > now) {
      await this.audit(requestId, 'refused', 'account locked', user);
      return { ok: false, message: lockedMessage(user.locked_until) };
    }
    if (!(await verifyPassword(user.password_hash, password))) {
      await this.recordFailure(user.id);
      await this.audit(requestId, 'refused', 'wrong password', user);
      return { ok: false, message: WRONG_CREDENTIALS };
    }
    const refusal = this.refusalFor(user);
    if (refusal) {
      await this.audit(requestId, 'refused', refusal.because, user);
      return { ok: false, message: refusal.message };
    }
    return { ok: true, userId: user.id, next: user.totp_enrolled_at ? 'mfa_challenge' : 'mfa_enrolment' };
  }

  /** Second step for an enrolled user: a fresh code that has not been used before. */
  async checkCode(userId: string, code: string, requestId: string): Promise<CodeOutcome> {
    const { db, clock } = this.deps;
    const user = await findUserById(db, userId);
    if (!user?.totp_secret || !user.totp_enrolled_at) return { ok: false, message: 'Set up your authenticator app first' };
    const check = await this.verifyTotp(db, user.id, code);
    if (!check.ok) {
      await this.audit(requestId, 'refused', check.because, user);
      return { ok: false, message: check.message };
    }
    await recordSuccessfulSignIn(db, user.id, clock.now());
    await this.audit(requestId, 'allowed', 'password and security code', user);
    return { ok: true };
  }

  /**
   * The one check of a TOTP code wherever a second factor is asked for (sign-in, break-glass): a
   * locked account is refused without looking at the code, and a wrong or reused code counts
   * toward the lockout. `db` may be the caller's transaction, so the failure is committed with the
   * caller's own audit entry. Auditing is the caller's.
   */
  async verifyTotp(db: DbOrTx, userId: string, code: string): Promise<FactorCheck> {
    const user = await findUserById(db, userId);
    if (!user?.totp_secret || !user.totp_enrolled_at) return { ok: false, because: 'no authenticator set up', message: 'Set up your authenticator app first' };
    const now = this.deps.clock.now();
    if (user.locked_until && user.locked_until > now) return { ok: false, because: 'account locked', message: lockedMessage(user.locked_until) };
    const step = matchTotpStep(this.openSecret(user.id, user.totp_secret), code.replace(/\s/g, ''), now);
    if (step === null || !(await acceptTotpStep(db, user.id, step))) {
      await this.recordFailure(user.id, db);
      return { ok: false, because: 'wrong or reused security code', message: WRONG_CODE };
    }
    return { ok: true };
  }

  /**
   * Options for signing in with a security key, when the person has one (else null): a fresh
   * challenge kept on their half-signed-in session, offered next to the code form.
   */
  async securityKeyOptions(session: SessionState): Promise<string | null> {
    const keys = await listSecurityKeys(this.deps.db, session.userId);
    return keys.length === 0 ? null : this.deps.webauthn.authenticationOptions(session, keys);
  }

  /** Second step with a security key instead of a code (see `verifySecurityKey`), audited. */
  async checkSecurityKey(session: SessionState, credentialJson: string, requestId: string): Promise<CodeOutcome> {
    const { db, clock } = this.deps;
    const user = await findUserById(db, session.userId);
    if (!user) return { ok: false, message: KEY_REFUSED };
    const check = await this.verifySecurityKey(db, session, credentialJson);
    if (!check.ok) {
      await this.audit(requestId, 'refused', check.because, user);
      return { ok: false, message: check.message };
    }
    await recordSuccessfulSignIn(db, user.id, clock.now());
    await this.audit(requestId, 'allowed', 'password and security key', user);
    return { ok: true };
  }

  /**
   * The one check of a security key's assertion, wherever a second factor is asked for (sign-in,
   * break-glass). The session's challenge is used up whatever happens; a locked account is refused;
   * the key must be one of this person's, its signature must check out against the configured
   * origin and RP id, and its counter must move forward (a clone is refused). A refusal counts
   * toward the lockout, like a wrong code, in `db` (the caller's transaction). Auditing is the caller's.
   */
  async verifySecurityKey(db: DbOrTx, session: SessionState, credentialJson: string): Promise<FactorCheck> {
    const { clock, webauthn } = this.deps;
    const challenge = await webauthn.takeChallenge(session, 'authentication');
    const user = await findUserById(db, session.userId);
    if (!user) return { ok: false, because: 'security key: no such account', message: KEY_REFUSED };
    const now = clock.now();
    if (user.locked_until && user.locked_until > now) return { ok: false, because: 'account locked', message: lockedMessage(user.locked_until) };
    const refuse = async (because: string): Promise<FactorCheck> => {
      await this.recordFailure(user.id, db);
      return { ok: false, because: `security key: ${because}`, message: KEY_REFUSED };
    };
    if (!challenge.ok) return refuse(challenge.because);
    const response = parseAssertion(credentialJson);
    if (!response) return refuse('malformed response');
    const key = await findSecurityKeyByCredentialId(db, response.id);
    if (!key) return refuse('unknown credential');
    if (key.userId !== user.id) return refuse("another account's credential");
    const verdict = await webauthn.verifyAuthentication(response, challenge.challenge, key);
    if (!verdict.ok) return refuse(verdict.because);
    if (!(await acceptSecurityKeyUse(db, key.id, verdict.newCounter, now))) return refuse('signature counter did not increase (possible cloned key)');
    return { ok: true };
  }

  /**
   * The enrolment page's QR code and secret. A pending secret is kept until a code confirms it,
   * so reloading the page shows the same one.
   */
  async enrolment(userId: string): Promise<{ secret: string; qrSvg: string }> {
    const { db } = this.deps;
    const user = await findUserById(db, userId);
    if (!user) throw new Error('enrolment for a missing user');
    let secret: string;
    if (user.totp_secret && !user.totp_enrolled_at) {
      secret = this.openSecret(user.id, user.totp_secret);
    } else {
      secret = newTotpSecret();
      await setPendingTotpSecret(db, user.id, this.sealSecret(user.id, secret));
    }
    return { secret, qrSvg: await totpQrSvg(totpUri(secret, user.email)) };
  }

  async confirmEnrolment(userId: string, code: string, requestId: string): Promise<CodeOutcome> {
    const { db, clock } = this.deps;
    const user = await findUserById(db, userId);
    if (!user?.totp_secret || user.totp_enrolled_at) return { ok: false, message: 'Start setting up your authenticator app again' };
    const now = clock.now();
    const step = matchTotpStep(this.openSecret(user.id, user.totp_secret), code.replace(/\s/g, ''), now);
    if (step === null) {
      await this.recordFailure(user.id);
      await this.audit(requestId, 'refused', 'wrong security code at set-up', user);
      return { ok: false, message: WRONG_CODE };
    }
    await confirmTotpEnrolment(db, user.id, now, step);
    await recordSuccessfulSignIn(db, user.id, now);
    await this.audit(requestId, 'allowed', 'password and new authenticator', user);
    return { ok: true };
  }

  sealSecret(userId: string, secret: string): Buffer {
    return this.deps.keys.sealFor(TOTP_PURPOSE, Buffer.from(secret, 'utf8'), totpBinding(userId));
  }

  openSecret(userId: string, sealed: Buffer): string {
    return this.deps.keys.openFor(TOTP_PURPOSE, sealed, totpBinding(userId)).toString('utf8');
  }

  /**
   * Why this account may not sign in now (disabled, unused for too long, vetting lapsed), or null.
   * Every way of signing in applies it once the person is identified: the password form here, and
   * single sign-on (accounts/oidc) after the provider's ID token. `because` is for the audit,
   * `message` for the person.
   */
  refusalFor(user: NonNullable<UserRow>): { because: string; message: string } | null {
    if (user.disabled_at) return { because: 'account disabled', message: "Your account has been disabled. Contact your organisation's Signpost administrator." };
    const { dormantDays } = this.deps.config.vetting;
    if (isDormant({ lastSignedInAt: user.last_signed_in_at, createdAt: user.created_at, reinstatedAt: user.reinstated_at }, this.deps.clock.now(), dormantDays)) {
      return {
        because: 'account dormant',
        message: `Your account was suspended because it was not used for ${String(dormantDays)} days. Ask your organisation's Signpost administrator to reinstate it.`,
      };
    }
    const vetting = vettingStatus(
      { dbsCheckedOn: user.dbs_checked_on, trainingCompletedOn: user.training_completed_on, agreementSignedOn: user.agreement_signed_on },
      ukDate(this.deps.clock.now()),
      this.deps.config.vetting,
    );
    if (vetting.lapsed.length > 0) {
      return { because: 'vetting lapsed', message: `You cannot sign in because ${vetting.lapsed.join('; ')}. Ask your organisation's Signpost administrator to record the renewal.` };
    }
    return null;
  }

  /** Counts a failed attempt (password, code or security key) toward the account lockout. */
  private async recordFailure(userId: string, db: DbOrTx = this.deps.db): Promise<void> {
    const { clock, config } = this.deps;
    const lockUntil = new Date(clock.now().getTime() + config.signIn.lockMinutes * 60_000);
    await recordFailedSignIn(db, userId, config.signIn.maxFailures, lockUntil);
  }
}

function lockedMessage(until: Date): string {
  return `Your account is locked after too many failed attempts. Try again after ${formatDateTime(until)}, or ask your administrator to unlock it.`;
}
