import type { OidcConfig } from '../../platform/config/config.js';
import type { IdTokenClaims } from './identity-provider.js';

export type ClaimsVerdict =
  | { ok: true; tenantId: string; objectId: string }
  | { ok: false; reason: string };

/** Tenant and object ids are GUIDs at Entra; anything odd is not echoed into the audit. */
const PRINTABLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Signpost's own checks on an ID token openid-client has already validated: the organisation
 * (tenant, Entra's `tid` unless configured otherwise) is one we serve, the provider asserted
 * multi-factor authentication (`amr` contains the required value, or `acr` is an accepted one),
 * and the person's id within it (Entra's `oid` unless configured otherwise) is there to find their
 * account by. Email is never used to identify anyone.
 */
export function checkIdTokenClaims(
  claims: IdTokenClaims,
  rules: Pick<OidcConfig, 'allowedTenants' | 'requiredAmr' | 'acceptedAcr'> & Partial<Pick<OidcConfig, 'tenantClaim' | 'subjectClaim'>>,
): ClaimsVerdict {
  const tenantClaim = rules.tenantClaim ?? 'tid';
  const subjectClaim = rules.subjectClaim ?? 'oid';
  const tid = claims[tenantClaim];
  const oid = claims[subjectClaim];
  if (typeof tid !== 'string' || tid === '') return { ok: false, reason: `ID token has no tenant (${tenantClaim})` };
  if (!rules.allowedTenants.includes(tid)) {
    return { ok: false, reason: `tenant not allowed (${PRINTABLE_ID.test(tid) ? tid : `unprintable ${tenantClaim}`})` };
  }
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  if (!amr.includes(rules.requiredAmr) && !(acr !== undefined && rules.acceptedAcr.includes(acr))) {
    return { ok: false, reason: `no multi-factor authentication asserted (amr lacks ${rules.requiredAmr})` };
  }
  if (typeof oid !== 'string' || oid === '') return { ok: false, reason: `ID token has no object id (${subjectClaim})` };
  return { ok: true, tenantId: tid, objectId: oid };
}
