import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { PreparingClient } from './prepared.js';

export type { Database } from './schema.js';

/** The database handle passed to repositories: either the pool or an open transaction. */
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type DbOrTx = Db | Tx;

const DATE_OID = 1082;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

const defaultParser = pg.types.getTypeParser as (oid: number, format: string) => (value: string) => unknown;

/** Per-pool type parsers, so nothing global is changed: dates stay calendar strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === DATE_OID) return (value: string) => value;
    // Counts and sums fit comfortably in a double for every figure Signpost reports.
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return defaultParser(oid, format ?? 'text');
  }) as typeof pg.types.getTypeParser,
};

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  applicationName?: string;
}

export function createDatabase(options: DatabaseOptions): Db {
  const pool = new pg.Pool({
    // Runs statements marked PREPARED as named prepared statements (prepared.ts).
    Client: PreparingClient,
    connectionString: options.url,
    max: options.poolSize,
    types,
    application_name: options.applicationName ?? 'signpost',
    // Fail fast when the database is unreachable: a request gets its 503 within a second instead
    // of queueing for ever. pg-pool uses the same limit for waiting on a busy pool, which is what
    // load shedding wants too (src/platform/http/load-shedding.ts). Tested by database-outage.test.ts.
    connectionTimeoutMillis: 1_000,
    idleTimeoutMillis: 30_000,
    // A database host that vanishes without closing its sockets is noticed by TCP keepalive.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor may a checked-out client between two queries of a transaction (the pool's listener covers
  // idle clients only): when PostgreSQL dies every backend sends FATAL 57P01, and an unheard
  // 'error' event would crash the app. The next query on it fails (a 503) and the pool drops it
  // on release, as it is no longer queryable. Found by `npm run chaos`.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Runs `work` in one transaction: all of it commits or none of it does. */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

/**
 * Runs `work` in one transaction in which statements marked PREPARED (prepared.ts) run on their
 * generic plans. PostgreSQL otherwise plans a statement afresh on every call while a fresh plan
 * looks cheaper than the generic one, which is always so for a statement over a list of ids given
 * as an array (the generic plan guesses ten): the looks' batched read was planned on every call,
 * about 0.9 ms of PostgreSQL's time a batch.
 */
export function inTransactionWithGenericPlans<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(tx);
    return work(tx);
  });
}

/** True when the database answers within `timeoutMs`; for health checks. */
export async function pingDatabase(db: Db, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = sql`SELECT 1`.execute(db).then(() => true, () => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True when PostgreSQL answered a statement with an error about its values (a data exception or
 * a broken constraint, SQLSTATE classes 22 and 23): the statement was refused, so none of it was
 * written, and running part of it again writes nothing twice. A lost connection is not such an
 * error: the statement may have committed before the answer was lost.
 */
export function refusedForItsValues(error: unknown): boolean {
  return error instanceof pg.DatabaseError && /^2[23]/.test(error.code ?? '');
}
