import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Db } from '../src/platform/db/database.js';
import { ensureAppLogin, withCredentials } from '../src/platform/db/app-role.js';

/**
 * Per-test-file databases. `npm test` (scripts/test.ts) starts one PostgreSQL server for the whole
 * run, migrates a template database once, and exports its admin URL as SIGNPOST_TEST_ADMIN_URL.
 * Each test file clones the template (fast: a file copy inside PostgreSQL) so files never see
 * each other's rows and can run in parallel.
 */
/** One template per test run, so two runs sharing a server never drop each other's databases. */
export const TEMPLATE_DATABASE = process.env['SIGNPOST_TEST_TEMPLATE'] ?? `signpost_test_template_${process.pid}`;

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  /**
   * A URL for this database as a fresh LOGIN role that is a member of the least-privilege
   * `signpost_app` role (what the running app uses), named after the database so two test runs
   * sharing a server never collide; dropped with the database.
   */
  appRoleUrl(): Promise<string>;
  drop(): Promise<void>;
}

/** The per-database login role's name; scripts/test.ts drops stale ones by this pattern. */
export function appLoginFor(database: string): string {
  return `${database}_app`;
}

function adminUrl(): string {
  const url = process.env['SIGNPOST_TEST_ADMIN_URL'];
  if (!url) {
    throw new Error('SIGNPOST_TEST_ADMIN_URL is not set: run tests with `npm test` (or `node --import tsx scripts/test.ts <files>`), which starts the test database.');
  }
  return url;
}

/** The same server with a different database name. */
export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const name = `signpost_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  const url = urlFor(name);
  const db = createDatabase({ url, poolSize: options.poolSize ?? 5 });
  let appLogin: string | undefined;
  return {
    db,
    url,
    name,
    async appRoleUrl() {
      const password = randomBytes(18).toString('base64url');
      appLogin = appLoginFor(name);
      await ensureAppLogin(adminUrl(), appLogin, password);
      return withCredentials(url, appLogin, password);
    },
    async drop() {
      await db.destroy();
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        if (appLogin) await c.query(`DROP ROLE IF EXISTS ${appLogin}`);
      });
    },
  };
}
