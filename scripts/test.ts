/**
 * `npm test`: starts one real PostgreSQL for the whole run (the embedded server, or the one at
 * TEST_DATABASE_URL, e.g. Debian's PostgreSQL 15), migrates a template database, then runs every
 * `*.test.ts` with node's test runner. Browser tests (test/e2e) need Chromium; `--no-browser`
 * skips them for a quick loop, but CI always runs them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createDatabase } from '../src/platform/db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/platform/db/embedded-postgres.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { PROJECT_ROOT } from '../src/platform/config/paths.js';
import { TEMPLATE_DATABASE } from '../test/test-database.js';

const args = process.argv.slice(2);
const noBrowser = args.includes('--no-browser');
const explicitFiles = args.filter((a) => !a.startsWith('--'));

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(PROJECT_ROOT, full));
  }
  return out;
}

const files = explicitFiles.length > 0
  ? explicitFiles
  : ['src', 'migrations', 'test', 'chaos', 'bench'].flatMap((d) => findTests(path.join(PROJECT_ROOT, d))).filter((f) => !(noBrowser && f.startsWith('test/e2e/'))).sort();

const logger = createLogger({ logLevel: 'warn' });
let embedded: EmbeddedServer | undefined;
let adminUrl = process.env['TEST_DATABASE_URL'];
let slotLock: string | undefined;
if (!adminUrl) {
  const slot = claimSlot(path.join(PROJECT_ROOT, '.test-data'));
  slotLock = slot.lock;
  embedded = await startEmbeddedPostgres({ dataDir: slot.dir, database: 'postgres', logger });
  adminUrl = embedded.adminUrl;
}

/**
 * Each concurrent test run gets its own embedded server (slot 0 for the usual single run). Runs
 * sharing one server stopped it under each other when the first one finished; a lock file with
 * the owner's pid marks a slot taken, and a dead owner's slot is reused (its cluster too).
 */
function claimSlot(root: string): { dir: string; lock: string } {
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  for (let n = 0; ; n++) {
    const lock = path.join(root, `slot-${String(n)}.lock`);
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      if (isAlive(owner)) continue;
      fs.writeFileSync(lock, String(process.pid));
    }
    const dir = path.join(root, `slot-${String(n)}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    return { dir, lock };
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Ctrl-C: stop our PostgreSQL before leaving (the test child gets the signal too).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void (embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
  console.log(`Test database: PostgreSQL ${rows[0]?.server_version} (${embedded ? 'embedded' : 'TEST_DATABASE_URL'})`);
  // Leftovers from interrupted runs: only databases nobody is connected to, so a second test run
  // sharing this server keeps its own.
  const stale = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database d WHERE datname LIKE 'signpost_test_%' AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
  );
  for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
  // Per-database app login roles (test/test-database.ts) whose database is gone. Roles are
  // server-wide: one whose database still exists may belong to a concurrent run.
  const staleRoles = await admin.query<{ rolname: string }>(
    "SELECT rolname FROM pg_roles r WHERE rolname LIKE 'signpost\\_test\\_%\\_app' AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE r.rolname = d.datname || '_app')",
  );
  for (const { rolname } of staleRoles.rows) await admin.query(`DROP ROLE IF EXISTS ${rolname}`).catch(() => undefined);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();

  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  const template = createDatabase({ url: templateUrl.toString(), poolSize: 1 });
  await migrateToLatest(template);
  await template.destroy();

  console.log(`Running ${files.length} test files…`);
  exitCode = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
      env: { ...process.env, SIGNPOST_TEST_ADMIN_URL: adminUrl, SIGNPOST_TEST_TEMPLATE: TEMPLATE_DATABASE, NODE_ENV: 'test' },
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
} finally {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().then(() => admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`)).catch(() => undefined).finally(() => admin.end());
  await embedded?.stop();
  if (slotLock) fs.rmSync(slotLock, { force: true });
}
process.exit(exitCode);
