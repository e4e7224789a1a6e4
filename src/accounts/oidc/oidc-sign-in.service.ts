import * as client from 'openid-client';
import type { OidcConfig } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { randomToken, safeEqual, sha256 } from '../../platform/crypto/tokens.js';
import type { Clock } from '../../platform/time/clock.js';
import type { AuditService } from '../../audit/audit.service.js';
import type { SignInService } from '../sign-in.service.js';
import { findUserByOidcIdentity, recordSuccessfulSignIn, type UserRow } from '../users.repository.js';
import { checkIdTokenClaims } from './id-token-claims.js';
import { IdentityProvider, ProviderRefusal } from './identity-provider.js';
import { insertSignInAttempt, takeSignInAttempt } from './oidc-attempts.repository.js';

export type SsoOutcome =
  | { ok: true; userId: string }
  /** `message` is shown to the person; `reason` goes to the audit and the log, never to the page. */
  | { ok: false; status: 403 | 503; message: string; reason: string };

/**
 * Shown for every refusal before the person's account is known to be usable, whichever check
 * failed, so the page never tells anyone whether an account exists or how the token was wrong.
 */
export const SSO_REFUSED =
  "We could not sign you in with your organisation's account. Start again from the sign-in page. If it happens again, ask your organisation's Signpost administrator to check that your account is set up for single sign-on.";
const SSO_UNAVAILABLE =
  "Signing in with your organisation's account is not working at the moment. Try again in a few minutes, or sign in with your email address and password.";

/** How long a browser has between leaving for the provider and coming back. */
const ATTEMPT_MINUTES = 10;
const BASIS = 'oidc';

/**
 * Single sign-on with OpenID Connect (authorisation code flow, PKCE S256, state and nonce). The
 * sign-in in progress is kept in the database under the hash of a random value held in the
 * browser's cookie, and deleted when the browser returns: it binds the response to the browser
 * that started it, and a replayed callback or reused state finds nothing.
 *
 * The provider asserts MFA, so there is no TOTP step; after the token checks, the account must
 * pass the same refusals as a password sign-in (SignInService.refusalFor). Every outcome is an
 * audit entry with basis `oidc`.
 */
export class OidcSignInService {
  private readonly provider: IdentityProvider;

  constructor(private readonly deps: { db: Db; clock: Clock; oidc: OidcConfig; audit: AuditService; signIn: SignInService }) {
    this.provider = new IdentityProvider({ oidc: deps.oidc, clock: deps.clock });
  }

  /** Starts a sign-in: where to send the browser, and the value its cookie must carry back. */
  async begin(): Promise<{ ok: true; redirectTo: string; browserKey: string } | { ok: false; message: string; reason: string }> {
    const { db, clock } = this.deps;
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    let url: URL;
    try {
      url = await this.provider.authorisationUrl(checks);
    } catch (error) {
      if (error instanceof ProviderRefusal) return { ok: false, message: SSO_UNAVAILABLE, reason: error.reason };
      throw error;
    }
    const browserKey = randomToken();
    const now = clock.now();
    await insertSignInAttempt(db, { browserKeyHash: sha256(browserKey), ...checks, createdAt: now }, new Date(now.getTime() - ATTEMPT_MINUTES * 60_000));
    return { ok: true, redirectTo: url.href, browserKey };
  }

  /**
   * Finishes a sign-in when the provider sends the browser back: `query` as received, and the
   * value from the browser's cookie (undefined when it has none).
   */
  async finish(query: URLSearchParams, browserKey: string | undefined, requestId: string): Promise<SsoOutcome> {
    const { db, clock } = this.deps;
    const attempt = browserKey && browserKey.length <= 100 ? await takeSignInAttempt(db, sha256(browserKey)) : undefined;
    if (!attempt) return this.refuse(requestId, 'no sign-in in progress in this browser (missing, used or expired)');
    if (clock.now().getTime() - attempt.created_at.getTime() > ATTEMPT_MINUTES * 60_000) {
      return this.refuse(requestId, 'sign-in in progress expired');
    }
    // openid-client checks the state too; checking first gives the audit a precise reason.
    if (!safeEqual(query.get('state') ?? '', attempt.state)) return this.refuse(requestId, 'state mismatch');

    let claims;
    try {
      claims = await this.provider.redeem(query, { state: attempt.state, nonce: attempt.nonce, codeVerifier: attempt.code_verifier });
    } catch (error) {
      if (error instanceof ProviderRefusal) return this.refuse(requestId, error.reason, error.unavailable);
      throw error;
    }
    const verdict = checkIdTokenClaims(claims, this.deps.oidc);
    if (!verdict.ok) return this.refuse(requestId, verdict.reason);

    const user = await findUserByOidcIdentity(db, verdict.tenantId, verdict.objectId);
    if (!user) return this.refuse(requestId, 'no account linked to this identity');
    const refusal = this.deps.signIn.refusalFor(user);
    if (refusal) {
      // The person has proved who they are, so like the password form this says what to do.
      await this.record(requestId, 'refused', refusal.because, user);
      return { ok: false, status: 403, message: refusal.message, reason: refusal.because };
    }
    await recordSuccessfulSignIn(db, user.id, clock.now());
    await this.record(requestId, 'allowed', 'organisation account with multi-factor authentication', user);
    return { ok: true, userId: user.id };
  }

  private async refuse(requestId: string, reason: string, unavailable = false): Promise<SsoOutcome> {
    await this.record(requestId, 'refused', reason);
    return { ok: false, status: unavailable ? 503 : 403, message: unavailable ? SSO_UNAVAILABLE : SSO_REFUSED, reason };
  }

  /** Every sign-in and failed sign-in is an audit entry (SECURITY.md §2). */
  private async record(requestId: string, outcome: 'allowed' | 'refused', reason: string, user?: NonNullable<UserRow>): Promise<void> {
    await this.deps.audit.record(this.deps.db, {
      action: outcome === 'allowed' ? 'sign_in' : 'sign_in_failed',
      actorUserId: user?.id ?? null,
      actorOrganisationId: user?.organisation_id ?? null,
      actorRole: user?.role ?? null,
      basis: BASIS,
      reason,
      outcome,
      requestId,
    });
  }
}
