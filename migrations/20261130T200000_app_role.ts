import { sql, type Kysely } from 'kysely';

/**
 * The application's least-privilege role (SECURITY.md §2). `signpost_app` is a NOLOGIN group role:
 * the login the app connects with (the embedded runtime's `signpost_app_login`, or the role in an
 * external DATABASE_URL) is made a member of it, while migrations run as the tables' owner.
 *
 * It may read and write ordinary tables and use sequences, but it owns nothing and cannot create,
 * alter or drop anything. On the four audit tables it may only SELECT and INSERT, so UPDATE, DELETE
 * and TRUNCATE are refused by privilege before the append-only triggers are even reached. Tables
 * later migrations create get the ordinary rights by default; an append-only table must revoke
 * UPDATE and DELETE itself, as here.
 *
 * Roles belong to the whole server, not one database: creating it is idempotent and tolerates a
 * second migration (another database on the same server) creating it at the same moment.
 */
const AUDIT_TABLES = ['audit_entries', 'audit_leaves', 'audit_checkpoints', 'audit_sealer_state'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'signpost_app') THEN
        BEGIN
          CREATE ROLE signpost_app NOLOGIN;
        EXCEPTION
          WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another migration
          WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'the role signpost_app does not exist and % may not create it', current_user
              USING HINT = 'Create it once as an administrator (CREATE ROLE signpost_app NOLOGIN), or give the migration user CREATEROLE.';
        END;
      END IF;
    END $$`.execute(db);

  // PostgreSQL 15 and later already refuse CREATE on public to PUBLIC; older clusters did not.
  // (Run by someone other than the schema's owner this only warns.)
  await sql`REVOKE CREATE ON SCHEMA public FROM PUBLIC`.execute(db);
  await sql`GRANT USAGE ON SCHEMA public TO signpost_app`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO signpost_app`.execute(db);
  await sql`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO signpost_app`.execute(db);
  // The migrator's own bookkeeping: readable (a migrate with nothing to do succeeds), never writable.
  await sql`REVOKE INSERT, UPDATE, DELETE ON kysely_migration, kysely_migration_lock FROM signpost_app`.execute(db);
  for (const table of AUDIT_TABLES) {
    await sql`REVOKE UPDATE, DELETE, TRUNCATE ON ${sql.table(table)} FROM signpost_app`.execute(db);
  }
  // Tables and sequences the migration user creates from now on.
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO signpost_app`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO signpost_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM signpost_app`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM signpost_app`.execute(db);
  await sql`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM signpost_app`.execute(db);
  await sql`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM signpost_app`.execute(db);
  await sql`REVOKE USAGE ON SCHEMA public FROM signpost_app`.execute(db);
  // The role itself is left: it belongs to the server and other databases may use it.
}
