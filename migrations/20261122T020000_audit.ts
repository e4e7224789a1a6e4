import { sql, type Kysely } from 'kysely';

/**
 * The audit log (SECURITY.md §2): entries written in the same transaction as the access they
 * record; leaves, signed checkpoints and the sealer's position written by the asynchronous sealer.
 * All four tables are append-only: triggers refuse UPDATE, DELETE and TRUNCATE, so changing history
 * needs a superuser who disables triggers — and the verifier then names the first index that no
 * longer fits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_entries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      -- The writing transaction's id: the sealer takes entries whose transaction has finished.
      entry_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      occurred_at timestamptz NOT NULL,
      actor_user_id uuid,
      actor_api_client text,
      actor_organisation_id uuid,
      actor_role text,
      action text NOT NULL,
      child_id uuid,
      basis text,
      reason text,
      outcome text NOT NULL CHECK (outcome IN ('allowed', 'refused', 'failed')),
      request_id text,
      -- Per-entry salt: a published leaf hash cannot be brute-forced to learn who looked at whom.
      salt bytea NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX audit_entries_xid_idx ON audit_entries (entry_xid)`.execute(db);
  // The sealer relies on entry_xid being the writer's own transaction: an explicit older or newer
  // value would hide an entry from every sealing round. Stamp it whatever the INSERT says.
  await sql`
    CREATE FUNCTION audit_stamp_xid() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.entry_xid := pg_current_xact_id();
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER audit_entries_stamp_xid BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_stamp_xid()`.execute(db);
  await sql`CREATE INDEX audit_entries_child_idx ON audit_entries (child_id, occurred_at) WHERE child_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX audit_entries_actor_idx ON audit_entries (actor_user_id, occurred_at)`.execute(db);

  await sql`
    CREATE TABLE audit_leaves (
      leaf_index bigint PRIMARY KEY,
      entry_id bigint NOT NULL UNIQUE,
      leaf_hash bytea NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE audit_checkpoints (
      tree_size bigint PRIMARY KEY,
      root_hash bytea NOT NULL,
      -- Roots of the perfect subtrees covering the leaves, so the next round appends in O(log n).
      frontier bytea[] NOT NULL,
      -- Every transaction below this id had finished, and its entries are in the tree.
      xid_horizon xid8 NOT NULL,
      signed_note text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);

  // The sealer's exact position: the snapshot it sealed up to (one row per checkpoint). A snapshot,
  // not just its xmin horizon, because xids are cluster-wide: one long write anywhere on the server
  // (an import, a seed, another database) would hold an xmin horizon back and stall sealing, while
  // "visible in this snapshot and not in the last" is exact, gap-free and never waits.
  await sql`
    CREATE TABLE audit_sealer_state (
      tree_size bigint PRIMARY KEY,
      sealed_snapshot pg_snapshot NOT NULL
    )`.execute(db);

  await sql`
    CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  // REVOKE … FROM PUBLIC is a floor, not the wall: today the app connects as the tables' owner, so
  // the triggers are what refuse it. A least-privilege application role (INSERT and SELECT only on
  // these tables, no ownership, no superuser) is still to come; with it, changing history needs a
  // superuser who disables triggers — and the verifier then names the first index that no longer fits.
  for (const table of ['audit_entries', 'audit_leaves', 'audit_checkpoints', 'audit_sealer_state']) {
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_update_delete`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(table)} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`.execute(db);
    await sql`REVOKE UPDATE, DELETE, TRUNCATE ON ${sql.table(table)} FROM PUBLIC`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_sealer_state', 'audit_checkpoints', 'audit_leaves', 'audit_entries']) await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_refuse_change()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_stamp_xid()`.execute(db);
}
