import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';

/** A person at the test provider, with the claims Microsoft Entra ID puts in its ID tokens. */
export interface TestIdentity {
  tid: string;
  oid: string;
  amr: string[];
  acr?: string;
  email: string;
  name: string;
  /** Further claims, for providers that name the tenant and person differently (see `extraClaims`). */
  claims?: Record<string, string>;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

export interface TestIdentityProvider {
  issuer: string;
  /** The client registered for Signpost. */
  signpost: TestClient;
  /** A second client (another service) registered with the same redirect URI. */
  otherService: TestClient;
  /** Adds a person who can log in; returns their account id at the provider. */
  addIdentity(identity: TestIdentity): string;
  /**
   * Follows `authorizationUrl` as a browser would, logs in as `accountId` at the provider's
   * interaction page and returns the address the provider sends the browser back to (the
   * redirect URI with `code`, `state` and `iss`, or with `error`).
   */
  logIn(authorizationUrl: string, accountId: string): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real `oidc-provider` on 127.0.0.1 and a random port, for single sign-on tests: code flow
 * only, PKCE required, signed (RS256) ID tokens with Entra-like claims (`tid`, `oid`, `amr`,
 * `email`, `name`). Logging in needs no browser: the interaction page takes the account id in
 * its query (`?login=`) and finishes the interaction with `amr`/`acr` from the identity.
 */
export async function startTestIdentityProvider(options: { redirectUri: string; idTokenTtlSeconds?: number; extraClaims?: string[] }): Promise<TestIdentityProvider> {
  const identities = new Map<string, TestIdentity>();
  const signpost = { clientId: 'signpost', clientSecret: randomBytes(24).toString('base64url') };
  const otherService = { clientId: 'other-service', clientSecret: randomBytes(24).toString('base64url') };

  // Requests arrive only after `provider` is set below, once the port (and so the issuer) is known.
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').startsWith('/interaction/')) {
      interact(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    void provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

  async function interact(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const accountId = new URL(req.url ?? '/', issuer).searchParams.get('login') ?? '';
    const details = await provider.interactionDetails(req, res);
    const identity = identities.get(accountId);
    if (details.prompt.name !== 'login' || !identity) {
      res.statusCode = 400;
      res.end(`test provider: cannot complete the ${details.prompt.name} prompt for "${accountId}"`);
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId, amr: identity.amr, ...(identity.acr ? { acr: identity.acr } : {}) } }, { mergeWithLastSubmission: false });
  }

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
  const client = (c: TestClient) => ({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    redirect_uris: [options.redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code' as const],
    token_endpoint_auth_method: 'client_secret_basic' as const,
  });
  const configuration: Configuration = {
    clients: [client(signpost), client(otherService)],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Entra's tid and oid come with the openid scope.
    // amr, acr and auth_time come from the login itself; listing them under openid releases them.
    // `extraClaims` are released the same way (e.g. an NHS CIS2-style organisation and user id).
    claims: { sid: null, iss: null, openid: ['sub', 'tid', 'oid', 'amr', 'acr', 'auth_time', ...(options.extraClaims ?? [])], email: ['email'], profile: ['name'] },
    // Scope claims in the ID token itself, as Entra does, not only from the userinfo endpoint.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const identity = identities.get(sub);
      if (!identity) return undefined;
      return { accountId: sub, claims: () => ({ ...identity.claims, sub, tid: identity.tid, oid: identity.oid, email: identity.email, name: identity.name }) };
    },
    // First-party clients: no consent screen; the grant covers what was asked for.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    ttl: {
      IdToken: options.idTokenTtlSeconds ?? 3600,
      AccessToken: 600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
  };
  const provider = new Provider(issuer, configuration);

  return {
    issuer,
    signpost,
    otherService,
    addIdentity(identity) {
      const accountId = randomUUID();
      identities.set(accountId, identity);
      return accountId;
    },
    async logIn(authorizationUrl, accountId) {
      const cookies = new Map<string, string>();
      const callback = new URL(options.redirectUri);
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10; hop++) {
        const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
        for (const header of response.headers.getSetCookie()) {
          const [pair] = header.split(';');
          const at = pair!.indexOf('=');
          cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
        }
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || !location) {
          throw new Error(`test provider answered ${String(response.status)} at ${url.pathname}: ${(await response.text()).slice(0, 500)}`);
        }
        const next = new URL(location, url);
        if (next.origin === callback.origin && next.pathname === callback.pathname) return next;
        if (next.pathname.startsWith('/interaction/')) next.searchParams.set('login', accountId);
        url = next;
      }
      throw new Error('test provider: too many redirects');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
