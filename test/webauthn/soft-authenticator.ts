import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL = 0x40;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array | string): Buffer => createHash('sha256').update(bytes).digest();

/**
 * A security key in software for HTTP tests (the browser test uses Chromium's virtual
 * authenticator instead): an ES256 key pair, "none" attestation, and a signature counter the test
 * can set, so a counter that goes backwards can be sent on purpose.
 */
export class SoftAuthenticator {
  private readonly rawId = randomBytes(32);
  private readonly keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  counter = 0;

  constructor(private readonly origin = 'http://localhost:3000', private readonly rpId = 'localhost') {}

  get id(): string {
    return b64url(this.rawId);
  }

  /** A response to registration options (`challenge` from the page's options). */
  register(challenge: string, overrides: { origin?: string } = {}): RegistrationResponseJSON {
    const attestation = new Map<string, string | Map<string, string> | Uint8Array>();
    attestation.set('fmt', 'none');
    attestation.set('attStmt', new Map<string, string>());
    attestation.set('authData', this.authenticatorData(USER_PRESENT | USER_VERIFIED | ATTESTED_CREDENTIAL, true));
    const attestationObject = isoCBOR.encode(attestation);
    return {
      id: this.id, rawId: this.id, type: 'public-key', clientExtensionResults: {},
      response: { clientDataJSON: this.clientData('webauthn.create', challenge, overrides.origin), attestationObject: b64url(attestationObject), transports: ['usb'] },
    };
  }

  /** A signed assertion; the counter goes up by one unless one is given. */
  assert(challenge: string, overrides: { counter?: number; origin?: string } = {}): AuthenticationResponseJSON {
    this.counter = overrides.counter ?? this.counter + 1;
    const authenticatorData = this.authenticatorData(USER_PRESENT | USER_VERIFIED, false);
    const clientDataJSON = this.clientData('webauthn.get', challenge, overrides.origin);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), this.keyPair.privateKey);
    return {
      id: this.id, rawId: this.id, type: 'public-key', clientExtensionResults: {},
      response: { clientDataJSON, authenticatorData: b64url(authenticatorData), signature: b64url(signature) },
    };
  }

  private clientData(type: string, challenge: string, origin = this.origin): string {
    return b64url(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }

  private authenticatorData(flags: number, withCredential: boolean): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const parts = [sha256(this.rpId), Buffer.from([flags]), counter];
    if (withCredential) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(this.rawId.length);
      parts.push(Buffer.alloc(16), length, this.rawId, Buffer.from(this.cosePublicKey()));
    }
    return Buffer.concat(parts);
  }

  /** The public key as COSE: EC2 (kty 2), ES256 (alg -7), P-256 (crv 1), x, y. */
  private cosePublicKey(): Uint8Array {
    const jwk = this.keyPair.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(new Map<number, number | Uint8Array>([
      [1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')],
    ]));
  }
}

/** The WebAuthn options a page carries in its form's `data-options` attribute. */
export function optionsIn(html: string): { challenge: string; allowCredentials?: { id: string }[]; excludeCredentials?: { id: string }[] } {
  const raw = /data-options="([^"]+)"/.exec(html)?.[1];
  if (!raw) throw new Error('no security key options on the page');
  return JSON.parse(raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as ReturnType<typeof optionsIn>;
}
