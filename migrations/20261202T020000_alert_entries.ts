import { sql, type Kysely } from 'kysely';

/**
 * An alert's audit entries in a table of their own, one row each, instead of an array on the
 * alert. The oversight scan adds a batch's entries to the alerts already raised for them; with an
 * array it read every alert's whole list and wrote it back with the new ids, and a bulk viewer's
 * alert grows by thousands of entries an hour (one scan of 17,600 entries spent 1.7 s rewriting
 * 212 alerts, and the service slowed while it did). Now a scan inserts only the new rows, and
 * the alert keeps their count for its list and summary.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE access_alert_entries (
      alert_id bigint NOT NULL REFERENCES access_alerts (id) ON DELETE CASCADE,
      audit_entry_id bigint NOT NULL,
      PRIMARY KEY (alert_id, audit_entry_id)
    )`.execute(db);
  await sql`INSERT INTO access_alert_entries (alert_id, audit_entry_id) SELECT DISTINCT id, unnest(audit_entry_ids) FROM access_alerts`.execute(db);
  await sql`ALTER TABLE access_alerts ADD COLUMN entry_count integer`.execute(db);
  await sql`UPDATE access_alerts a SET entry_count = (SELECT count(*) FROM access_alert_entries e WHERE e.alert_id = a.id)`.execute(db);
  await sql`ALTER TABLE access_alerts ALTER COLUMN entry_count SET NOT NULL, ADD CONSTRAINT access_alerts_entry_count CHECK (entry_count > 0)`.execute(db);
  await sql`ALTER TABLE access_alerts DROP COLUMN audit_entry_ids`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE access_alerts ADD COLUMN audit_entry_ids bigint[]`.execute(db);
  await sql`
    UPDATE access_alerts a SET audit_entry_ids = (
      SELECT array_agg(e.audit_entry_id ORDER BY e.audit_entry_id) FROM access_alert_entries e WHERE e.alert_id = a.id)`.execute(db);
  await sql`ALTER TABLE access_alerts ALTER COLUMN audit_entry_ids SET NOT NULL, ADD CHECK (cardinality(audit_entry_ids) > 0)`.execute(db);
  await sql`ALTER TABLE access_alerts DROP COLUMN entry_count`.execute(db);
  await sql`DROP TABLE access_alert_entries`.execute(db);
}
