import * as client from 'openid-client';
import type { OidcConfig } from '../../platform/config/config.js';
import type { Clock } from '../../platform/time/clock.js';

/** What the service needs from an authorisation request: all three are checked on the way back. */
export interface AuthorisationChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The ID token's claims once openid-client has validated it. */
export type IdTokenClaims = client.IDToken;

/** The provider or the response failed a check; `reason` is for the audit and logs, never shown. */
export class ProviderRefusal extends Error {
  override name = 'ProviderRefusal';
  constructor(readonly reason: string, readonly unavailable = false) {
    super(reason);
  }
}

/** How far the injected clock may drift from the system clock before openid-client is re-set. */
const SKEW_SLACK_SECONDS = 10;
const SCOPE = 'openid profile email';

/**
 * An organisation's OpenID Connect provider, through `openid-client`: discovery, the
 * authorisation URL (code flow, PKCE S256, state, nonce) and the code exchange, which checks the
 * issuer, audience, signature, expiry, nonce, state and PKCE. Metadata is discovered on first use
 * (not at start-up, so a provider outage cannot stop Signpost starting) and kept.
 *
 * openid-client judges `exp` and `nbf` by the system clock plus its `[clockSkew]` setting. The
 * skew is set to the injected clock's offset, so tokens are judged on the same clock as sessions
 * and vetting: zero in service, a fixed clock in tests (which is how expiry is tested).
 */
export class IdentityProvider {
  #cached: { skew: number; configuration: Promise<client.Configuration> } | undefined;

  constructor(private readonly deps: { oidc: OidcConfig; clock: Clock }) {}

  async authorisationUrl(checks: AuthorisationChecks): Promise<URL> {
    const configuration = await this.configuration();
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.deps.oidc.redirectUri,
      scope: SCOPE,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * Validates the provider's response to the redirect URI (`query` as received) and redeems the
   * code; returns the validated ID token's claims or throws a `ProviderRefusal`.
   */
  async redeem(query: URLSearchParams, checks: AuthorisationChecks): Promise<IdTokenClaims> {
    const configuration = await this.configuration();
    // The address the provider sent the browser to: the registered redirect URI, not the Host header.
    const currentUrl = new URL(this.deps.oidc.redirectUri);
    currentUrl.search = query.toString();
    try {
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new ProviderRefusal('no ID token in the token response');
      return claims;
    } catch (error) {
      if (error instanceof ProviderRefusal) throw error;
      throw new ProviderRefusal(refusalReason(error));
    }
  }

  private configuration(): Promise<client.Configuration> {
    const skew = Math.round((this.deps.clock.now().getTime() - Date.now()) / 1000);
    const cached = this.#cached;
    if (cached && Math.abs(cached.skew - skew) <= SKEW_SLACK_SECONDS) return cached.configuration;
    const { oidc } = this.deps;
    const issuer = new URL(oidc.issuer);
    const configuration = client.discovery(
      issuer,
      oidc.clientId,
      { client_secret: oidc.clientSecret, [client.clockSkew]: skew },
      client.ClientSecretBasic(oidc.clientSecret),
      // Plain HTTP only for a loopback provider (config refuses it anywhere else).
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only to flag it; used solely for a loopback test provider
      { timeout: 10, ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}) },
    ).catch((error: unknown) => {
      // Forget a failed discovery so the next sign-in tries again.
      if (this.#cached?.configuration === configuration) this.#cached = undefined;
      throw new ProviderRefusal(`provider metadata unavailable (${errorCode(error)})`, true);
    });
    this.#cached = { skew, configuration };
    return configuration;
  }
}

/** A stable code from an error, limited to a safe vocabulary (never a value from the response). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]{1,60}$/.test(code) ? code : 'unknown';
}

/** OAuth error codes are `[a-z_]`; anything else came from somewhere it should not have. */
function oauthError(value: unknown): string {
  return typeof value === 'string' && /^[a-z_]{1,60}$/.test(value) ? value : 'unrecognised error';
}

const CHECKED_CLAIMS = new Set(['aud', 'azp', 'iss', 'nonce', 'sub', 'exp', 'nbf', 'iat', 'auth_time']);

/**
 * A short reason for the audit: which check failed, in words, naming at most a claim from a fixed
 * list or an OAuth error code, so nothing from the token or the person reaches the log.
 */
export function refusalReason(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError) return `provider returned an error (${oauthError(error.error)})`;
  if (error instanceof client.ResponseBodyError) return `token request refused by the provider (${oauthError(error.error)})`;
  if (error instanceof client.ClientError) {
    const cause = error.cause as { message?: unknown; cause?: { claim?: unknown } } | undefined;
    const claim = typeof cause?.cause?.claim === 'string' && CHECKED_CLAIMS.has(cause.cause.claim) ? cause.cause.claim : undefined;
    switch (error.code) {
      case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
        return claim === 'exp' ? 'ID token expired' : `ID token time check failed (${claim ?? 'timestamp'})`;
      case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
        return `ID token ${claim ?? 'claim'} mismatch`;
      case 'OAUTH_INVALID_RESPONSE':
        if (typeof cause?.message === 'string' && /"state"/.test(cause.message)) return 'state mismatch';
        if (typeof cause?.message === 'string' && /"iss"/.test(cause.message)) return 'issuer mismatch in the authorisation response';
        return 'invalid response from the provider';
      default:
        return `response failed validation (${errorCode(error)})`;
    }
  }
  if (error instanceof TypeError) return 'response failed validation (malformed)';
  return `response failed validation (${errorCode(error)})`;
}
