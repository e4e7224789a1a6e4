import { inTransaction, type Db } from '../platform/db/database.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { SessionState, SignedInUser } from '../platform/http/request-context.js';
import type { Clock } from '../platform/time/clock.js';
import type { AuditService } from '../audit/audit.service.js';
import { countSecurityKeys, deleteSecurityKey, insertSecurityKey, listSecurityKeys } from './security-keys.repository.js';
import { findUserById } from './users.repository.js';
import { parseRegistration, type WebAuthnCeremonies } from './webauthn.js';

export interface SecurityKeyView {
  id: string;
  nickname: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export const LAST_FACTOR = 'You cannot remove your only security key because your account has no authenticator app. Set up an authenticator app first, or add another key';
const NOT_ADDED = 'Your security key was not added. Try again';

/**
 * A signed-in person's own security keys (WebAuthn): list, add with a nickname, remove. Removing
 * never leaves an account without a second factor. Adding and removing are audited as updates of
 * the person's own account.
 */
/** How long after giving a second factor a person may add a security key (see `recentlySignedIn`). */
export const RECENT_SIGN_IN_MINUTES = 10;
export const SIGN_IN_AGAIN = `For your security, you can add a security key only within ${RECENT_SIGN_IN_MINUTES} minutes of signing in. Sign out, sign in again and then add the key`;

export class SecurityKeysService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; webauthn: WebAuthnCeremonies }) {}

  async list(userId: string): Promise<SecurityKeyView[]> {
    const keys = await listSecurityKeys(this.deps.db, userId);
    return keys.map((k) => ({ id: k.id, nickname: k.nickname, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt }));
  }

  /** Options for the add page: a fresh registration challenge on the session; existing keys excluded. */
  async registrationOptions(session: SessionState, user: SignedInUser): Promise<string> {
    const existing = await listSecurityKeys(this.deps.db, user.id);
    return this.deps.webauthn.registrationOptions(session, user, existing);
  }

  /**
   * A new second factor is added only soon after the person proved who they are: someone holding
   * a stolen or unattended session could otherwise give themselves a lasting way in.
   */
  recentlySignedIn(session: SessionState): boolean {
    return this.deps.clock.now().getTime() - session.startedAt.getTime() <= RECENT_SIGN_IN_MINUTES * 60_000;
  }

  /** Verifies the browser's new credential against the session's challenge and stores it. */
  async add(session: SessionState, user: SignedInUser, input: { nickname: string; credential: string }, requestId: string): Promise<void> {
    if (!this.recentlySignedIn(session)) {
      await this.record(user, 'security key not added: sign-in not recent', 'refused', requestId);
      throw new ValidationError('Sign in again to add a security key', { 'add-key': SIGN_IN_AGAIN });
    }
    const nickname = input.nickname.trim().replace(/\s+/g, ' ');
    const fields: Record<string, string> = {};
    if (!nickname) fields['nickname'] = 'Enter a name for your security key';
    else if (nickname.length > 60) fields['nickname'] = 'The name must be 60 characters or fewer';
    // The page's script asks the key only once a name is given, so a missing name is the only error then.
    else if (!input.credential) fields['add-key'] = 'Use your security key when your browser asks. If it did not ask, check JavaScript is turned on';
    // The challenge is used up even when the form is wrong: the next page issues a new one.
    const challenge = await this.deps.webauthn.takeChallenge(session, 'registration');
    if (Object.keys(fields).length > 0) throw new ValidationError('Check the security key details', fields);
    const response = parseRegistration(input.credential);
    const verdict = !challenge.ok ? challenge : response ? await this.deps.webauthn.verifyRegistration(response, challenge.challenge) : { ok: false as const, because: 'malformed response' };
    if (!verdict.ok) {
      await this.record(user, `security key not added: ${verdict.because}`, 'refused', requestId);
      throw new ValidationError('Check the security key details', { 'add-key': NOT_ADDED });
    }
    await inTransaction(this.deps.db, async (tx) => {
      const id = await insertSecurityKey(tx, { userId: user.id, ...verdict.key, nickname, at: this.deps.clock.now() });
      if (!id) throw new ValidationError('Check the security key details', { 'add-key': 'This security key is already registered' });
      await this.record(user, 'security key added', 'allowed', requestId, tx);
    });
  }

  /** Removes one of the person's keys, unless it is their only second factor. */
  async remove(user: SignedInUser, keyId: string, requestId: string): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const account = await findUserById(tx, user.id);
      const keys = await countSecurityKeys(tx, user.id);
      if (keys <= 1 && !account?.totp_enrolled_at) throw new ValidationError('You cannot remove this key', { keys: LAST_FACTOR });
      if (!(await deleteSecurityKey(tx, user.id, keyId))) throw new NotFoundError('No security key with this reference');
      await this.record(user, 'security key removed', 'allowed', requestId, tx);
    });
  }

  private async record(user: SignedInUser, reason: string, outcome: 'allowed' | 'refused', requestId: string, tx: Parameters<AuditService['record']>[0] = this.deps.db): Promise<void> {
    await this.deps.audit.record(tx, {
      action: 'update', actorUserId: user.id, actorOrganisationId: user.organisationId, actorRole: user.role, basis: 'own account', reason, outcome, requestId,
    });
  }
}
