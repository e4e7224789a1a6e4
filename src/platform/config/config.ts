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
  /** Size of the application's connection pool. */
  readonly dbPoolSize: number;
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
  };
  readonly apiTokenMinutes: number;
  /** Months a child record is kept after its last involvement or flag ends (DOMAIN §2). */
  readonly retentionMonths: number;
  /** Key-encryption key, base64, 32 bytes; when absent a key file under `dataDir` is used. */
  readonly keyEncryptionKey: string | undefined;
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
  const kek = env['SIGNPOST_KEK'] || undefined;
  if (kek !== undefined && Buffer.from(kek, 'base64').length !== 32) {
    throw new ConfigError('SIGNPOST_KEK must be 32 bytes encoded as base64');
  }
  const config: Config = {
    env: nodeEnv,
    port: overrides.port ?? integer(env, 'PORT', 3000, 0, 65535),
    host: env['HOST'] || '127.0.0.1',
    dataDir: path.resolve(cwd, overrides.dataDir ?? (env['SIGNPOST_DATA_DIR'] || 'data')),
    databaseUrl,
    dbPoolSize: integer(env, 'SIGNPOST_DB_POOL', 10, 1, 200),
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
    vetting: { dbsValidYears: 3, trainingValidYears: 3, agreementValidYears: 1 },
    apiTokenMinutes: integer(env, 'SIGNPOST_API_TOKEN_MINUTES', 15, 1, 24 * 60),
    retentionMonths: integer(env, 'SIGNPOST_RETENTION_MONTHS', 12, 1, 12 * 25),
    keyEncryptionKey: kek,
  };
  return deepFreeze(config);
}
