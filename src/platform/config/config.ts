import path from 'node:path';

/**
 * Everything Signpost reads from its environment, parsed once into a frozen, typed object.
 * Nothing else in the code base reads `process.env`: pass the config down instead.
 */
export interface Config {
  readonly env: 'production' | 'development' | 'test';
  readonly port: number;
  readonly host: string;
  /** Where the embedded PostgreSQL cluster and the key file live. */
  readonly dataDir: string;
  /** External PostgreSQL; when absent an embedded server is started under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /**
   * External PostgreSQL as the schema's owner, for migrations only (`DATABASE_MIGRATION_URL`);
   * `databaseUrl` is then the least-privilege app role. Absent: migrations use `databaseUrl`.
   */
  readonly databaseMigrationUrl: string | undefined;
  /** Size of the application's connection pool. */
  readonly dbPoolSize: number;
  /** Concurrent requests served before new ones are shed with 503 and Retry-After. */
  readonly maxInFlight: number;
  /**
   * Multiplies every route's per-minute rate limit (`SIGNPOST_RATE_LIMIT_FACTOR`, default 1). Load
   * tests raise it so one signed-in benchmark user can drive hundreds of requests a second.
   */
  readonly rateLimitFactor: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Cookies are marked `Secure` unless explicitly served over plain HTTP on loopback. */
  readonly secureCookies: boolean;
  readonly session: {
    readonly idleMinutes: number;
    readonly absoluteHours: number;
  };
  readonly signIn: {
    /** Failed attempts before an account is locked. */
    readonly maxFailures: number;
    readonly lockMinutes: number;
    /** Sign-in attempts allowed per client address per minute (on top of account lockout). */
    readonly attemptsPerMinute: number;
  };
  readonly vetting: {
    /** An enhanced DBS check older than this stops access (statutory practice: renew every 3 years). */
    readonly dbsValidYears: number;
    readonly trainingValidYears: number;
    readonly agreementValidYears: number;
    /** Accounts not used for this many days are suspended until an administrator reinstates them. */
    readonly dormantDays: number;
  };
  readonly apiTokenMinutes: number;
  /** Months a child record is kept after its last involvement or flag ends (DOMAIN §2). */
  readonly retentionMonths: number;
  /** Hours a break-glass grant lasts (SECURITY §1). */
  readonly breakGlassHours: number;
  /** Key-encryption key, base64, 32 bytes; when absent a key file under `dataDir` is used. */
  readonly keyEncryptionKey: string | undefined;
  /**
   * Wrapping keys for child data keys, version 2 and later (`SIGNPOST_WRAP_KEYS`, e.g.
   * `2:<base64>,3:<base64>`, from a KMS or secret store). Absent: `wrap-v<N>.key` files beside the
   * key file, or, when `SIGNPOST_KEK` is set, none beyond version 1 (derived from the KEK).
   */
  readonly wrapKeys: readonly { readonly version: number; readonly key: string }[] | undefined;
  /** Single sign-on through an organisation's identity provider; off (undefined) when no issuer is set. */
  readonly oidc: OidcConfig | undefined;
  /** Security keys and platform authenticators as a second factor (WebAuthn). */
  readonly webauthn: WebAuthnConfig;
}

/** Where browsers reach Signpost, which WebAuthn binds every security key to. */
export interface WebAuthnConfig {
  /** The origin browsers use (`SIGNPOST_PUBLIC_URL`), e.g. https://signpost.example.gov.uk. */
  readonly origin: string;
  /** The relying party id (`SIGNPOST_WEBAUTHN_RP_ID`): the origin's host name or a parent domain of it. */
  readonly rpId: string;
  /** Shown by the browser when a key is registered. */
  readonly rpName: string;
}

/** OpenID Connect single sign-on (councils' Entra ID and similar); see README "Single sign-on". */
export interface OidcConfig {
  /** The provider's issuer identifier; its metadata is read from `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** This service's `/sign-in/sso/callback` address, exactly as registered with the provider. */
  readonly redirectUri: string;
  /** Tenant ids (the ID token's tenant claim) whose people may sign in: one per council or trust. */
  readonly allowedTenants: readonly string[];
  /**
   * The ID token claims naming the person's organisation and the person within it: Entra's `tid`
   * and `oid` by default; other providers (e.g. NHS CIS2) name them differently.
   */
  readonly tenantClaim: string;
  readonly subjectClaim: string;
  /** The ID token's `amr` must contain this value (the provider asserted MFA)… */
  readonly requiredAmr: string;
  /** …or its `acr` must be one of these (e.g. a provider's MFA authentication context). */
  readonly acceptedAcr: readonly string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

/** `SIGNPOST_WRAP_KEYS`: comma-separated `<version>:<32 bytes base64>`, versions 2 and up, each once. */
function wrapKeys(env: Env): { version: number; key: string }[] | undefined {
  const raw = env['SIGNPOST_WRAP_KEYS'];
  if (raw === undefined || raw.trim() === '') return undefined;
  const expected = 'SIGNPOST_WRAP_KEYS must be a comma-separated list of <version>:<32 bytes as base64>, versions from 2 up, e.g. "2:…,3:…"';
  const keys: { version: number; key: string }[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^([0-9]{1,9}):([A-Za-z0-9+/]+={0,2})$/.exec(entry);
    const version = Number(match?.[1]);
    // Only the version is ever echoed back: the key itself must not reach a log or a terminal.
    if (!match || version < 2) throw new ConfigError(`${expected} (entry ${keys.length + 1} is not)`);
    if (Buffer.from(match[2]!, 'base64').length !== 32) throw new ConfigError(`${expected} (the key for version ${version} is not 32 bytes)`);
    if (keys.some((k) => k.version === version)) throw new ConfigError(`${expected} (version ${version} appears twice)`);
    keys.push({ version, key: match[2]! });
  }
  return keys.sort((a, b) => a.version - b.version);
}

const OIDC_CALLBACK_PATH = '/sign-in/sso/callback';

/** An https:// URL, or http:// on loopback only (a local test identity provider or demo). */
function webUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a full URL such as https://login.example.net/tenant/v2.0 (got "${raw}")`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${name} must use https:// (plain http:// only on 127.0.0.1 or localhost) (got "${raw}")`);
  }
  if (url.search || url.hash || url.username || url.password) throw new ConfigError(`${name} must not contain a query, a fragment or credentials`);
  return url;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * `SIGNPOST_OIDC_*`: all or nothing. With no issuer, single sign-on is off and any other
 * `SIGNPOST_OIDC_*` value is a mistake worth stopping for. The client secret is never echoed.
 */
function oidcConfig(env: Env): OidcConfig | undefined {
  const issuer = env['SIGNPOST_OIDC_ISSUER']?.trim() ?? '';
  const names = ['SIGNPOST_OIDC_CLIENT_ID', 'SIGNPOST_OIDC_CLIENT_SECRET', 'SIGNPOST_OIDC_REDIRECT_URI', 'SIGNPOST_OIDC_ALLOWED_TENANTS', 'SIGNPOST_OIDC_REQUIRED_AMR', 'SIGNPOST_OIDC_ACCEPTED_ACR', 'SIGNPOST_OIDC_TENANT_CLAIM', 'SIGNPOST_OIDC_SUBJECT_CLAIM'];
  if (issuer === '') {
    const stray = names.find((name) => (env[name] ?? '').trim() !== '');
    if (stray) throw new ConfigError(`${stray} is set but SIGNPOST_OIDC_ISSUER is not: set the issuer to turn on single sign-on, or unset ${stray}`);
    return undefined;
  }
  webUrl('SIGNPOST_OIDC_ISSUER', issuer);
  const required = (name: string): string => {
    const value = env[name]?.trim() ?? '';
    if (value === '') throw new ConfigError(`${name} is required when SIGNPOST_OIDC_ISSUER is set`);
    return value;
  };
  const clientId = required('SIGNPOST_OIDC_CLIENT_ID');
  const clientSecret = required('SIGNPOST_OIDC_CLIENT_SECRET');
  const redirectUri = required('SIGNPOST_OIDC_REDIRECT_URI');
  if (webUrl('SIGNPOST_OIDC_REDIRECT_URI', redirectUri).pathname !== OIDC_CALLBACK_PATH) {
    throw new ConfigError(`SIGNPOST_OIDC_REDIRECT_URI must be this service's address ending in ${OIDC_CALLBACK_PATH} (got "${redirectUri}")`);
  }
  const allowedTenants = list(env['SIGNPOST_OIDC_ALLOWED_TENANTS']);
  if (allowedTenants.length === 0) {
    throw new ConfigError('SIGNPOST_OIDC_ALLOWED_TENANTS is required when SIGNPOST_OIDC_ISSUER is set: a comma-separated list of tenant ids (the tid claim)');
  }
  const token = /^[A-Za-z0-9._:-]{1,200}$/;
  const badTenant = allowedTenants.find((t) => !token.test(t));
  if (badTenant !== undefined) throw new ConfigError(`SIGNPOST_OIDC_ALLOWED_TENANTS must list tenant ids such as GUIDs (got "${badTenant}")`);
  const requiredAmr = env['SIGNPOST_OIDC_REQUIRED_AMR']?.trim() || 'mfa';
  if (!token.test(requiredAmr)) throw new ConfigError(`SIGNPOST_OIDC_REQUIRED_AMR must be one amr value such as mfa (got "${requiredAmr}")`);
  const acceptedAcr = list(env['SIGNPOST_OIDC_ACCEPTED_ACR']);
  const badAcr = acceptedAcr.find((v) => /\s/.test(v) || v.length > 500);
  if (badAcr !== undefined) throw new ConfigError(`SIGNPOST_OIDC_ACCEPTED_ACR must be a comma-separated list of acr values (got "${badAcr}")`);
  const claimName = (name: string, fallback: string): string => {
    const value = env[name]?.trim() || fallback;
    if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/.test(value)) throw new ConfigError(`${name} must be one claim name such as ${fallback} (got "${value}")`);
    return value;
  };
  const tenantClaim = claimName('SIGNPOST_OIDC_TENANT_CLAIM', 'tid');
  const subjectClaim = claimName('SIGNPOST_OIDC_SUBJECT_CLAIM', 'oid');
  if (tenantClaim === subjectClaim) throw new ConfigError('SIGNPOST_OIDC_TENANT_CLAIM and SIGNPOST_OIDC_SUBJECT_CLAIM must name different claims');
  return { issuer, clientId, clientSecret, redirectUri, allowedTenants, requiredAmr, acceptedAcr, tenantClaim, subjectClaim };
}

/**
 * `SIGNPOST_PUBLIC_URL` and `SIGNPOST_WEBAUTHN_RP_ID`. Keys registered under one RP id work only
 * there, so changing it later strands them; the default suits the local demo on localhost.
 */
function webauthnConfig(env: Env, port: number): WebAuthnConfig {
  const raw = env['SIGNPOST_PUBLIC_URL']?.trim() || `http://localhost:${String(port)}`;
  const url = webUrl('SIGNPOST_PUBLIC_URL', raw);
  if (url.pathname !== '/') throw new ConfigError(`SIGNPOST_PUBLIC_URL must be an origin with no path, such as https://signpost.example.gov.uk (got "${raw}")`);
  const host = url.hostname;
  const rpId = env['SIGNPOST_WEBAUTHN_RP_ID']?.trim().toLowerCase() || host;
  // Browsers refuse IP addresses as RP ids, and an RP id must be the origin's host or a parent of it.
  if (/^[0-9.]+$/.test(rpId) || rpId.includes(':') || rpId.includes('[')) {
    throw new ConfigError(`SIGNPOST_WEBAUTHN_RP_ID must be a domain name, not an IP address (got "${rpId}"): use localhost for local use`);
  }
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new ConfigError(`SIGNPOST_WEBAUTHN_RP_ID must be the host of SIGNPOST_PUBLIC_URL (${host}) or a parent domain of it (got "${rpId}")`);
  }
  return { origin: url.origin, rpId, rpName: 'Signpost' };
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Values a command line can set, taking precedence over the environment. */
export interface ConfigOverrides {
  port?: number | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  logLevel?: Config['logLevel'] | undefined;
}

export function loadConfig(env: Env, overrides: ConfigOverrides = {}, cwd = process.cwd()): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['production', 'development', 'test'] as const, 'development');
  const databaseUrl = overrides.databaseUrl ?? (env['DATABASE_URL'] || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const databaseMigrationUrl = env['DATABASE_MIGRATION_URL'] || undefined;
  if (databaseMigrationUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseMigrationUrl)) {
    throw new ConfigError('DATABASE_MIGRATION_URL must start with postgres:// or postgresql://');
  }
  if (databaseMigrationUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_MIGRATION_URL needs DATABASE_URL too (the embedded database manages its own roles)');
  }
  const kek = env['SIGNPOST_KEK'] || undefined;
  if (kek !== undefined && Buffer.from(kek, 'base64').length !== 32) {
    throw new ConfigError('SIGNPOST_KEK must be 32 bytes encoded as base64');
  }
  const port = overrides.port ?? integer(env, 'PORT', 3000, 0, 65535);
  const config: Config = {
    env: nodeEnv,
    port,
    host: env['HOST'] || '127.0.0.1',
    dataDir: path.resolve(cwd, overrides.dataDir ?? (env['SIGNPOST_DATA_DIR'] || 'data')),
    databaseUrl,
    databaseMigrationUrl,
    dbPoolSize: integer(env, 'SIGNPOST_DB_POOL', 10, 1, 200),
    maxInFlight: integer(env, 'SIGNPOST_MAX_IN_FLIGHT', 128, 1, 100_000),
    rateLimitFactor: integer(env, 'SIGNPOST_RATE_LIMIT_FACTOR', 1, 1, 100_000),
    logLevel:
      overrides.logLevel ??
      oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, nodeEnv === 'test' ? 'silent' : 'info'),
    // Default: secure cookies in production; plain loopback HTTP is allowed for the local demo.
    secureCookies: bool(env, 'SIGNPOST_SECURE_COOKIES', nodeEnv === 'production'),
    session: {
      idleMinutes: integer(env, 'SIGNPOST_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
      absoluteHours: integer(env, 'SIGNPOST_SESSION_ABSOLUTE_HOURS', 10, 1, 72),
    },
    signIn: {
      maxFailures: integer(env, 'SIGNPOST_SIGNIN_MAX_FAILURES', 5, 1, 100),
      lockMinutes: integer(env, 'SIGNPOST_SIGNIN_LOCK_MINUTES', 15, 1, 24 * 60),
      attemptsPerMinute: integer(env, 'SIGNPOST_SIGNIN_ATTEMPTS_PER_MINUTE', 20, 1, 100_000),
    },
    vetting: { dbsValidYears: 3, trainingValidYears: 3, agreementValidYears: 1, dormantDays: 90 },
    apiTokenMinutes: integer(env, 'SIGNPOST_API_TOKEN_MINUTES', 15, 1, 24 * 60),
    retentionMonths: integer(env, 'SIGNPOST_RETENTION_MONTHS', 12, 1, 12 * 25),
    breakGlassHours: integer(env, 'SIGNPOST_BREAK_GLASS_HOURS', 24, 1, 72),
    keyEncryptionKey: kek,
    wrapKeys: wrapKeys(env),
    oidc: oidcConfig(env),
    webauthn: webauthnConfig(env, port),
  };
  return deepFreeze(config);
}
