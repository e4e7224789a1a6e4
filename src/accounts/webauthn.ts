import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { WebAuthnConfig } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { SessionState } from '../platform/http/request-context.js';
import type { Clock } from '../platform/time/clock.js';
import { setWebAuthnChallenge, takeWebAuthnChallenge, type WebAuthnPurpose } from './sessions.repository.js';

/**
 * WebAuthn through @simplewebauthn/server, bound to the configured origin and RP id. The challenge
 * of each ceremony is kept on the server-side session (never trusted from the browser), is for one
 * purpose, expires after a few minutes and is cleared as it is read: it can be answered once.
 */

/**
 * The library, loaded on first use: with its ASN.1 parsers it is about a quarter of a second of
 * CPU that every `signpost` command paid at start-up, and only adding a security key or signing
 * in with one needs it.
 */
const webauthn = () => import('@simplewebauthn/server');

/** How long a person has to touch their key; the browser gives up at the same time. */
export const CHALLENGE_MS = 5 * 60_000;

const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1400}$/;

/** A key as the ceremonies need it. */
export interface StoredKey {
  credentialId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
}

export type ChallengeCheck = { ok: true; challenge: string } | { ok: false; because: string };

export class WebAuthnCeremonies {
  constructor(private readonly deps: { db: Db; clock: Clock; config: WebAuthnConfig }) {}

  /** Registration options for the browser; `user` is shown by the browser's own prompt only. */
  async registrationOptions(session: SessionState, user: { id: string; email: string; displayName: string }, existing: readonly StoredKey[]): Promise<string> {
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: this.deps.config.rpName,
      rpID: this.deps.config.rpId,
      userID: Buffer.from(user.id.replace(/-/g, ''), 'hex'),
      userName: user.email,
      userDisplayName: user.displayName,
      timeout: CHALLENGE_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((k) => ({ id: k.credentialId, transports: k.transports })),
      // A second factor after the password (possession): no passkey is stored on the key, and no PIN
      // or fingerprint is demanded, as the library advises for two-factor use.
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    });
    await this.keep(session, options.challenge, 'registration');
    return JSON.stringify(options);
  }

  async authenticationOptions(session: SessionState, keys: readonly StoredKey[]): Promise<string> {
    const options = await (await webauthn()).generateAuthenticationOptions({
      rpID: this.deps.config.rpId,
      allowCredentials: keys.map((k) => ({ id: k.credentialId, transports: k.transports })),
      userVerification: 'discouraged',
      timeout: CHALLENGE_MS,
    });
    await this.keep(session, options.challenge, 'authentication');
    return JSON.stringify(options);
  }

  /** Takes (and so uses up) the session's challenge; refuses one for another purpose or too old. */
  async takeChallenge(session: SessionState, purpose: WebAuthnPurpose): Promise<ChallengeCheck> {
    const taken = await takeWebAuthnChallenge(this.deps.db, session.idHash);
    if (!taken) return { ok: false, because: 'no security key challenge in progress (used already or never issued)' };
    if (taken.purpose !== purpose) return { ok: false, because: `security key challenge issued for ${taken.purpose}` };
    if (taken.expiresAt.getTime() <= this.deps.clock.now().getTime()) return { ok: false, because: 'security key challenge expired' };
    return { ok: true, challenge: taken.challenge };
  }

  /** The new key's details once the browser's response checks out, or why not. */
  async verifyRegistration(response: RegistrationResponseJSON, challenge: string): Promise<{ ok: true; key: StoredKey } | { ok: false; because: string }> {
    try {
      const result = await (await webauthn()).verifyRegistrationResponse({
        response, expectedChallenge: challenge, expectedOrigin: this.deps.config.origin, expectedRPID: this.deps.config.rpId, requireUserVerification: false,
      });
      if (!result.verified) return { ok: false, because: 'registration did not verify' };
      const { credential } = result.registrationInfo;
      if (!CREDENTIAL_ID.test(credential.id)) return { ok: false, because: 'credential id out of range' };
      return { ok: true, key: { credentialId: credential.id, publicKey: Buffer.from(credential.publicKey), counter: credential.counter, transports: credential.transports ?? [] } };
    } catch (error) {
      return { ok: false, because: `registration refused: ${reasonOf(error)}` };
    }
  }

  /** The signature counter the key now reports, or why the assertion is refused. */
  async verifyAuthentication(response: AuthenticationResponseJSON, challenge: string, key: StoredKey): Promise<{ ok: true; newCounter: number } | { ok: false; because: string }> {
    try {
      const result = await (await webauthn()).verifyAuthenticationResponse({
        response, expectedChallenge: challenge, expectedOrigin: this.deps.config.origin, expectedRPID: this.deps.config.rpId, requireUserVerification: false,
        credential: { id: key.credentialId, publicKey: new Uint8Array(key.publicKey), counter: key.counter, transports: key.transports },
      });
      if (!result.verified) return { ok: false, because: 'assertion did not verify' };
      return { ok: true, newCounter: result.authenticationInfo.newCounter };
    } catch (error) {
      const reason = reasonOf(error);
      if (/counter/i.test(reason)) return { ok: false, because: 'signature counter did not increase (possible cloned key)' };
      return { ok: false, because: `assertion refused: ${reason}` };
    }
  }

  private async keep(session: SessionState, challenge: string, purpose: WebAuthnPurpose): Promise<void> {
    await setWebAuthnChallenge(this.deps.db, session.idHash, { value: challenge, purpose, expiresAt: new Date(this.deps.clock.now().getTime() + CHALLENGE_MS) });
  }
}

/**
 * The browser's response, posted as JSON in a form field: only its outline is checked here; the
 * library checks the rest. Returns null for anything that is not a public-key credential.
 */
export function parseRegistration(json: string): RegistrationResponseJSON | null {
  return looksLikeCredential(json) as RegistrationResponseJSON | null;
}

export function parseAssertion(json: string): AuthenticationResponseJSON | null {
  return looksLikeCredential(json) as AuthenticationResponseJSON | null;
}

function looksLikeCredential(json: string): object | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as { id?: unknown; rawId?: unknown; type?: unknown; response?: unknown };
  if (typeof candidate.id !== 'string' || !CREDENTIAL_ID.test(candidate.id) || candidate.rawId !== candidate.id) return null;
  if (candidate.type !== 'public-key' || typeof candidate.response !== 'object' || candidate.response === null) return null;
  return value;
}

/** The library's message, short, for the audit (it never contains personal data). */
function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
