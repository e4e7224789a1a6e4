import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../platform/config/config.js';
import { checkIdTokenClaims } from './id-token-claims.js';
import type { IdTokenClaims } from './identity-provider.js';

const SECRET = 'a-client-secret-that-must-never-be-echoed';
const SSO = {
  SIGNPOST_OIDC_ISSUER: 'https://login.microsoftonline.com/organizations/v2.0',
  SIGNPOST_OIDC_CLIENT_ID: 'signpost',
  SIGNPOST_OIDC_CLIENT_SECRET: SECRET,
  SIGNPOST_OIDC_REDIRECT_URI: 'https://signpost.example.gov.uk/sign-in/sso/callback',
  SIGNPOST_OIDC_ALLOWED_TENANTS: 'tenant-a, tenant-b,',
};

function refuses(env: Record<string, string>, message: RegExp): void {
  assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes(SECRET));
}

describe('single sign-on configuration', () => {
  test('is off when no issuer is set', () => {
    assert.equal(loadConfig({}).oidc, undefined);
  });

  test('is parsed into the frozen config, with mfa as the required amr by default', () => {
    const config = loadConfig(SSO);
    assert.deepEqual(config.oidc, {
      issuer: SSO.SIGNPOST_OIDC_ISSUER,
      clientId: 'signpost',
      clientSecret: SECRET,
      redirectUri: SSO.SIGNPOST_OIDC_REDIRECT_URI,
      allowedTenants: ['tenant-a', 'tenant-b'],
      requiredAmr: 'mfa',
      acceptedAcr: [],
      tenantClaim: 'tid',
      subjectClaim: 'oid',
    });
    assert.ok(Object.isFrozen(config.oidc));
    assert.ok(Object.isFrozen(config.oidc.allowedTenants));
    const acr = loadConfig({ ...SSO, SIGNPOST_OIDC_REQUIRED_AMR: 'hwk', SIGNPOST_OIDC_ACCEPTED_ACR: 'urn:a,urn:b' }).oidc;
    assert.equal(acr?.requiredAmr, 'hwk');
    assert.deepEqual(acr.acceptedAcr, ['urn:a', 'urn:b']);
  });

  test('an issuer needs every other setting, and a setting needs an issuer', () => {
    for (const name of ['SIGNPOST_OIDC_CLIENT_ID', 'SIGNPOST_OIDC_CLIENT_SECRET', 'SIGNPOST_OIDC_REDIRECT_URI', 'SIGNPOST_OIDC_ALLOWED_TENANTS'] as const) {
      refuses({ ...SSO, [name]: '' }, new RegExp(`${name} is required`));
    }
    refuses({ SIGNPOST_OIDC_CLIENT_SECRET: SECRET }, /SIGNPOST_OIDC_CLIENT_SECRET is set but SIGNPOST_OIDC_ISSUER is not/);
    refuses({ ...SSO, SIGNPOST_OIDC_ALLOWED_TENANTS: ' , ' }, /SIGNPOST_OIDC_ALLOWED_TENANTS is required/);
  });

  test('addresses must be https, except a provider or callback on loopback', () => {
    refuses({ ...SSO, SIGNPOST_OIDC_ISSUER: 'http://idp.example.net' }, /SIGNPOST_OIDC_ISSUER must use https/);
    refuses({ ...SSO, SIGNPOST_OIDC_ISSUER: 'not a url' }, /SIGNPOST_OIDC_ISSUER must be a full URL/);
    refuses({ ...SSO, SIGNPOST_OIDC_REDIRECT_URI: 'https://signpost.example.gov.uk/callback' }, /must be this service's address ending in \/sign-in\/sso\/callback/);
    refuses({ ...SSO, SIGNPOST_OIDC_REDIRECT_URI: 'https://signpost.example.gov.uk/sign-in/sso/callback?x=1' }, /must not contain a query/);
    const local = loadConfig({ ...SSO, SIGNPOST_OIDC_ISSUER: 'http://127.0.0.1:9000', SIGNPOST_OIDC_REDIRECT_URI: 'http://localhost:3000/sign-in/sso/callback' });
    assert.equal(local.oidc?.issuer, 'http://127.0.0.1:9000');
  });

  test('the tenant and subject claim names can be changed for providers other than Entra', () => {
    const cis2 = loadConfig({ ...SSO, SIGNPOST_OIDC_TENANT_CLAIM: 'org_code', SIGNPOST_OIDC_SUBJECT_CLAIM: 'uid' }).oidc;
    assert.equal(cis2?.tenantClaim, 'org_code');
    assert.equal(cis2.subjectClaim, 'uid');
    refuses({ ...SSO, SIGNPOST_OIDC_TENANT_CLAIM: 'org code' }, /SIGNPOST_OIDC_TENANT_CLAIM must be one claim name/);
    refuses({ ...SSO, SIGNPOST_OIDC_TENANT_CLAIM: 'uid', SIGNPOST_OIDC_SUBJECT_CLAIM: 'uid' }, /must name different claims/);
    refuses({ SIGNPOST_OIDC_SUBJECT_CLAIM: 'uid' }, /SIGNPOST_OIDC_SUBJECT_CLAIM is set but SIGNPOST_OIDC_ISSUER is not/);
    const rules = { allowedTenants: ['RX1'], requiredAmr: 'mfa', acceptedAcr: [], tenantClaim: 'org_code', subjectClaim: 'uid' };
    const claims = { iss: 'https://idp', sub: 's', aud: 'signpost', iat: 1, exp: 2, tid: 't1', oid: 'o1', org_code: 'RX1', uid: 'u1', amr: ['mfa'] } as IdTokenClaims;
    assert.deepEqual(checkIdTokenClaims(claims, rules), { ok: true, tenantId: 'RX1', objectId: 'u1' });
  });

  test('tenant ids and the amr value must look like identifiers', () => {
    refuses({ ...SSO, SIGNPOST_OIDC_ALLOWED_TENANTS: 'tenant a' }, /SIGNPOST_OIDC_ALLOWED_TENANTS must list tenant ids/);
    refuses({ ...SSO, SIGNPOST_OIDC_REQUIRED_AMR: 'm f a' }, /SIGNPOST_OIDC_REQUIRED_AMR must be one amr value/);
  });
});

describe("Signpost's own checks on a validated ID token", () => {
  const rules = { allowedTenants: ['t1'], requiredAmr: 'mfa', acceptedAcr: ['urn:mfa'] };
  const token = (claims: Record<string, unknown>) => ({ iss: 'https://idp', sub: 's', aud: 'signpost', iat: 1, exp: 2, ...claims }) as IdTokenClaims;

  test('an allowed tenant, MFA and an object id pass, and give the identity to look up', () => {
    assert.deepEqual(checkIdTokenClaims(token({ tid: 't1', oid: 'o1', amr: ['pwd', 'mfa'] }), rules), { ok: true, tenantId: 't1', objectId: 'o1' });
    assert.deepEqual(checkIdTokenClaims(token({ tid: 't1', oid: 'o1', amr: ['pwd'], acr: 'urn:mfa' }), rules), { ok: true, tenantId: 't1', objectId: 'o1' });
  });

  test('each missing or wrong claim gives its own reason for the audit', () => {
    const reason = (claims: Record<string, unknown>) => {
      const verdict = checkIdTokenClaims(token(claims), rules);
      return verdict.ok ? 'ok' : verdict.reason;
    };
    assert.equal(reason({ oid: 'o1', amr: ['mfa'] }), 'ID token has no tenant (tid)');
    assert.equal(reason({ tid: 't2', oid: 'o1', amr: ['mfa'] }), 'tenant not allowed (t2)');
    assert.equal(reason({ tid: 'bad tid <script>', oid: 'o1', amr: ['mfa'] }), 'tenant not allowed (unprintable tid)');
    assert.match(reason({ tid: 't1', oid: 'o1', amr: 'mfa' }), /^no multi-factor/);
    assert.match(reason({ tid: 't1', oid: 'o1', acr: 'urn:other' }), /^no multi-factor/);
    assert.equal(reason({ tid: 't1', amr: ['mfa'] }), 'ID token has no object id (oid)');
  });
});
