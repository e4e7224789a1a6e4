import pg from 'pg';

/**
 * The application's least-privilege database role (SECURITY.md §2). Migration
 * `20261130T100000_app_role` creates the NOLOGIN group role `signpost_app` and grants it DML on
 * ordinary tables and only SELECT and INSERT on the audit tables; the app connects as a LOGIN role
 * that is a member of it. Roles are server-wide, so everything here is idempotent and tolerates a
 * second process doing the same at the same moment.
 */
export const APP_GROUP_ROLE = 'signpost_app';

/** The login the embedded runtime gives the app. */
export const EMBEDDED_APP_LOGIN = 'signpost_app_login';

const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';

function isDuplicate(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === DUPLICATE_OBJECT || code === UNIQUE_VIOLATION;
}

async function createRoleIfMissing(client: pg.Client, role: string, options: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (rowCount !== 0) return false;
  try {
    await client.query(`CREATE ROLE ${client.escapeIdentifier(role)} ${options}`);
    return true;
  } catch (error) {
    if (isDuplicate(error)) return false; // created meanwhile by another process
    throw error;
  }
}

/**
 * Makes `login` a LOGIN role with `password` and a member of `signpost_app` (creating the group
 * role too, so it can run before the migrations that grant it its rights). Needs a connection with
 * CREATEROLE, e.g. the embedded server's superuser. Never a superuser, never owner of anything.
 */
export async function ensureAppLogin(adminUrl: string, login: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await createRoleIfMissing(client, APP_GROUP_ROLE, 'NOLOGIN');
    const options = `LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(password)}`;
    if (!(await createRoleIfMissing(client, login, options))) {
      await client.query(`ALTER ROLE ${client.escapeIdentifier(login)} ${options}`);
    }
    const { rows } = await client.query<{ member: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2) AS member`,
      [APP_GROUP_ROLE, login],
    );
    if (!rows[0]?.member) {
      try {
        await client.query(`GRANT ${client.escapeIdentifier(APP_GROUP_ROLE)} TO ${client.escapeIdentifier(login)}`);
      } catch (error) {
        if (!isDuplicate(error)) throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/** `url` with its user and password replaced. */
export function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** What the connected role may do that the app role must not: for a warning at start. */
export async function ownerRights(url: string): Promise<{ superuser: boolean; canCreate: boolean; role: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ superuser: boolean; can_create: boolean; role: string }>(
      `SELECT r.rolsuper AS superuser, has_schema_privilege('public', 'CREATE') AS can_create, current_user AS role
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const row = rows[0]!;
    return { superuser: row.superuser, canCreate: row.can_create, role: row.role };
  } finally {
    await client.end();
  }
}
