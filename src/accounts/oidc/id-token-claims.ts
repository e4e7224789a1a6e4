import type { OidcConfig } from '../../platform/config/config.js';
import type { IdTokenClaims } from './identity-provider.js';

export type ClaimsVerdict =
  | { ok: true; tenantId: string; objectId: string }
  | { ok: false; reason: string };

/** Tenant and object ids are GUIDs at Entra; anything odd is not echoed into the audit. */
const PRINTABLE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Signpost's own checks on an ID token openid-client has already validated: the organisation
 * (tenant, `tid`) is one we serve, the provider asserted multi-factor authentication (`amr`
 * contains the required value, or `acr` is an accepted one), and the person's object id (`oid`)
 * is there to find their account by. Email is never used to identify anyone.
 */
export function checkIdTokenClaims(claims: IdTokenClaims, rules: Pick<OidcConfig, 'allowedTenants' | 'requiredAmr' | 'acceptedAcr'>): ClaimsVerdict {
  const tid = claims['tid'];
  const oid = claims['oid'];
  if (typeof tid !== 'string' || tid === '') return { ok: false, reason: 'ID token has no tenant (tid)' };
  if (!rules.allowedTenants.includes(tid)) {
    return { ok: false, reason: `tenant not allowed (${PRINTABLE_ID.test(tid) ? tid : 'unprintable tid'})` };
  }
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  if (!amr.includes(rules.requiredAmr) && !(acr !== undefined && rules.acceptedAcr.includes(acr))) {
    return { ok: false, reason: `no multi-factor authentication asserted (amr lacks ${rules.requiredAmr})` };
  }
  if (typeof oid !== 'string' || oid === '') return { ok: false, reason: 'ID token has no object id (oid)' };
  return { ok: true, tenantId: tid, objectId: oid };
}
