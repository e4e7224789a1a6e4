import { authenticator } from 'otplib';
import QRCode from 'qrcode';

const STEP_SECONDS = 30;
const ISSUER = 'Signpost';

/** A new base32 TOTP secret with 160 bits of entropy (RFC 4226's recommended length). */
export function newTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function totpUri(secret: string, accountName: string): string {
  return authenticator.keyuri(accountName, ISSUER, secret);
}

/** The enrolment QR code as an inline SVG (no external request, allowed by the CSP). */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The current code for a secret; for the demo's code generator command and tests. */
export function totpCode(secret: string, at: Date): string {
  return authenticator.clone({ epoch: at.getTime() }).generate(secret);
}

/**
 * Checks a 6-digit code allowing one step of clock drift either way. Returns the time step the
 * code belongs to, or null. Callers store the step and refuse any step not newer than the last
 * accepted one, so an intercepted code cannot be replayed.
 */
export function matchTotpStep(secret: string, code: string, at: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  for (const drift of [0, -1, 1]) {
    const instant = at.getTime() + drift * STEP_SECONDS * 1000;
    if (authenticator.clone({ epoch: instant }).check(code, secret)) {
      return Math.floor(instant / 1000 / STEP_SECONDS);
    }
  }
  return null;
}
