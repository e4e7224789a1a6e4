import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../platform/db/database.js';
import { subjectKeyOf, type AlertRule, type ScannedEntry } from './anomaly-rules.js';

export type AlertStatus = 'open' | 'appropriate' | 'inappropriate' | 'escalated';

// ---- Scanning ---------------------------------------------------------------------------------

/** Serialises scans across processes (the server's loop and the CLI) for the rest of the transaction. */
export async function lockScan(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('signpost.oversight.scan'))`.execute(tx);
}

export async function readScanState(db: DbOrTx): Promise<{ nextLeafIndex: number }> {
  const row = await db.selectFrom('oversight_state').select('next_leaf_index').executeTakeFirstOrThrow();
  return { nextLeafIndex: row.next_leaf_index };
}

export async function advanceScanState(db: DbOrTx, state: { nextLeafIndex: number; lastEntryId: number | null; at: Date }): Promise<void> {
  await db.updateTable('oversight_state')
    .set({ next_leaf_index: state.nextLeafIndex, last_entry_id: state.lastEntryId, scanned_at: state.at })
    .execute();
}

/** How many leaves the sealer has appended: the scan's horizon (leaves are contiguous from 0). */
export async function sealedLeafCount(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('audit_leaves').select((eb) => eb.fn.max<number | null>('leaf_index').as('last')).executeTakeFirst();
  return row?.last == null ? 0 : row.last + 1;
}

const scannedColumns = [
  'e.id', 'e.occurred_at', 'e.actor_user_id', 'e.actor_api_client', 'e.actor_organisation_id', 'e.action', 'e.child_id', 'e.basis', 'e.outcome',
] as const;

type ScannedRow = {
  id: number; occurred_at: Date; actor_user_id: string | null; actor_api_client: string | null; actor_organisation_id: string | null;
  action: string; child_id: string | null; basis: string | null; outcome: string;
};

const toScanned = (r: ScannedRow): ScannedEntry => ({
  id: r.id, occurredAt: r.occurred_at, actorUserId: r.actor_user_id, actorApiClient: r.actor_api_client,
  actorOrganisationId: r.actor_organisation_id, action: r.action, childId: r.child_id, basis: r.basis, outcome: r.outcome,
});

/** Up to `limit` sealed entries from leaf `fromIndex` on, in the tree's order. */
export async function sealedEntriesFrom(db: DbOrTx, fromIndex: number, limit: number): Promise<{ leafIndex: number; entry: ScannedEntry }[]> {
  const rows = await db.selectFrom('audit_leaves as l')
    .innerJoin('audit_entries as e', 'e.id', 'l.entry_id')
    .select(['l.leaf_index', ...scannedColumns])
    .where('l.leaf_index', '>=', fromIndex)
    .orderBy('l.leaf_index')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ leafIndex: r.leaf_index, entry: toScanned(r) }));
}

/**
 * Entries by each user with the action in the stretch given for them (sealed or not yet). Each
 * stretch is its own range scan of the actor index: joined as a plain table, PostgreSQL judged a
 * bulk viewer's rows too many for the index and read the whole audit log instead (at 1M children,
 * 250 ms for each batch of a scan, finding nothing; 0.2 ms this way).
 */
export async function entriesAround(
  db: DbOrTx,
  stretches: readonly { userId: string; action: string; from: Date; to: Date }[],
): Promise<ScannedEntry[]> {
  if (stretches.length === 0) return [];
  const { rows } = await sql<ScannedRow>`
    SELECT e.*
    FROM unnest(${stretches.map((r) => r.userId)}::uuid[], ${stretches.map((r) => r.action)}::text[],
                ${stretches.map((r) => r.from)}::timestamptz[], ${stretches.map((r) => r.to)}::timestamptz[]) AS r(user_id, action, from_at, to_at)
    -- OFFSET 0 keeps the subquery a nested loop over the stretches rather than one join over the log.
    CROSS JOIN LATERAL (
      SELECT ${sql.join(scannedColumns.map((column) => sql.ref(column)))} FROM audit_entries e
      WHERE e.actor_user_id = r.user_id AND e.occurred_at >= r.from_at AND e.occurred_at < r.to_at AND e.action = r.action
      OFFSET 0) e
    ORDER BY e.id`.execute(db);
  return rows.map(toScanned);
}

/** Responsible council of each child that still exists. */
export function childCouncils(db: DbOrTx, childIds: readonly string[]) {
  return db.selectFrom('children').select(['id', 'responsible_council_id'])
    .where('id', '=', sql<string>`ANY(${[...childIds]}::uuid[])`).execute();
}

/** The children's `family_name` blind-index values. */
export function familyNameIndexes(db: DbOrTx, childIds: readonly string[]) {
  return db.selectFrom('child_blind_index').select(['child_id', 'value'])
    .where('kind', '=', 'family_name')
    .where('child_id', '=', sql<string>`ANY(${[...childIds]}::uuid[])`).execute();
}

/** The children's flags of these kinds, open or ended. */
export function childFlags(db: DbOrTx, childIds: readonly string[], kinds: readonly string[]) {
  return db.selectFrom('child_flags').select(['child_id', 'kind', 'started_on', 'ended_on'])
    .where('child_id', '=', sql<string>`ANY(${[...childIds]}::uuid[])`)
    .where('kind', 'in', [...kinds]).execute();
}

export function userNames(db: DbOrTx, userIds: readonly string[]) {
  return db.selectFrom('users').select(['id', 'display_name'])
    .where('id', '=', sql<string>`ANY(${[...userIds]}::uuid[])`).execute();
}

/** The council each organisation belongs to: itself for a council, else its area's council. */
export async function councilsOf(db: DbOrTx, organisationIds: readonly string[]): Promise<Map<string, string>> {
  if (organisationIds.length === 0) return new Map();
  const rows = await db.selectFrom('organisations')
    .select(['id', sql<string>`CASE WHEN kind = 'council' THEN id ELSE coalesce(council_id, id) END`.as('council')])
    .where('id', '=', sql<string>`ANY(${[...organisationIds]}::uuid[])`).execute();
  return new Map(rows.map((r) => [r.id, r.council]));
}

/** Stored windows of these rules for these subjects that end after `from` and start before `to`. */
export function raisedWindows(db: DbOrTx, query: { subjectKeys: readonly string[]; rules: readonly AlertRule[]; from: Date; to: Date }) {
  return db.selectFrom('access_alerts').select(['rule', 'subject_key', 'window_key', 'window_start', 'window_end'])
    .where('subject_key', '=', sql<string>`ANY(${[...query.subjectKeys]}::text[])`)
    .where('rule', 'in', [...query.rules])
    .where('window_end', '>', query.from)
    .where('window_start', '<', query.to)
    .execute();
}

/** Alerts with these (rule, subject, window) keys, locked until the scan commits. */
export async function alertsByKeys(tx: Tx, keys: readonly { rule: string; subjectKey: string; windowKey: string }[]) {
  if (keys.length === 0) return [];
  const rows = await tx.selectFrom('access_alerts')
    .select(['id', 'rule', 'subject_key', 'window_key', 'window_start', 'window_end', 'entry_count'])
    .where(sql<boolean>`(rule, subject_key, window_key) IN (SELECT * FROM unnest(${keys.map((k) => k.rule)}::text[], ${keys.map((k) => k.subjectKey)}::text[], ${keys.map((k) => k.windowKey)}::text[]))`)
    .forUpdate()
    .execute();
  return rows;
}

export interface NewAlertRow {
  rule: AlertRule;
  subjectUserId: string | null;
  subjectApiClient: string | null;
  organisationId: string | null;
  councilId: string | null;
  childId: string | null;
  windowKey: string;
  windowStart: Date;
  windowEnd: Date;
  raisedAt: Date;
  summary: string;
  entryIds: number[];
}

/** Inserts new alerts with their entries; one with a key already stored is left alone (the caller merged it). */
export async function insertAlerts(db: DbOrTx, alerts: readonly NewAlertRow[]): Promise<number> {
  if (alerts.length === 0) return 0;
  const inserted = await db.insertInto('access_alerts').values(alerts.map(alertRow))
    .onConflict((oc) => oc.constraint('access_alerts_once').doNothing())
    .returning(['id', 'rule', 'subject_key', 'window_key']).execute();
  const idOf = new Map(inserted.map((r) => [`${r.rule}|${r.subject_key}|${r.window_key}`, r.id]));
  await addAlertEntries(db, alerts.flatMap((a) => {
    const id = idOf.get(`${a.rule}|${subjectKeyOf({ actorUserId: a.subjectUserId, actorApiClient: a.subjectApiClient })!}|${a.windowKey}`);
    return id === undefined ? [] : [{ alertId: id, entryIds: a.entryIds }];
  }));
  return inserted.length;
}

/** Adds entries to alerts, skipping any an alert holds already: how many each alert gained. */
export async function addAlertEntries(db: DbOrTx, additions: readonly { alertId: number; entryIds: readonly number[] }[]): Promise<Map<number, number>> {
  const alertIds = additions.flatMap((a) => a.entryIds.map(() => a.alertId));
  const gained = new Map<number, number>();
  if (alertIds.length === 0) return gained;
  const { rows } = await sql<{ alert_id: number }>`
    INSERT INTO access_alert_entries (alert_id, audit_entry_id)
    SELECT * FROM unnest(${alertIds}::bigint[], ${additions.flatMap((a) => a.entryIds)}::bigint[])
    ON CONFLICT DO NOTHING
    RETURNING alert_id`.execute(db);
  for (const { alert_id: id } of rows) gained.set(id, (gained.get(id) ?? 0) + 1);
  return gained;
}

/** An alert after entries were added: its count, window and summary (its review, if any, stays as it was). */
export async function updateAlert(db: DbOrTx, id: number, update: { entryCount: number; windowStart: Date; windowEnd: Date; summary: string }): Promise<void> {
  await db.updateTable('access_alerts')
    .set({ entry_count: update.entryCount, window_start: update.windowStart, window_end: update.windowEnd, summary: update.summary })
    .where('id', '=', id).execute();
}

function alertRow(a: NewAlertRow) {
  return {
    rule: a.rule, subject_user_id: a.subjectUserId, subject_api_client: a.subjectApiClient, organisation_id: a.organisationId, council_id: a.councilId,
    child_id: a.childId, window_key: a.windowKey, window_start: a.windowStart, window_end: a.windowEnd, raised_at: a.raisedAt, summary: a.summary,
    entry_count: a.entryIds.length,
  };
}

// ---- The workspace ----------------------------------------------------------------------------

export interface AuditSearchFilter {
  /** Entries up to this id only: pins a search's pages while new entries keep arriving. */
  upToId: number;
  actorUserId?: string;
  childId?: string;
  organisationId?: string;
  from?: Date;
  before?: Date;
  action?: string;
  basisContains?: string;
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The newest entry's id (0 when the log is empty). */
export async function latestAuditEntryId(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('audit_entries').select((eb) => eb.fn.max<number | null>('id').as('last')).executeTakeFirst();
  return row?.last ?? 0;
}

/**
 * Audit entries matching the filter, newest first (by id: entries are numbered as written, and the
 * primary key serves the order without sorting the whole log), with the actor's name and organisation.
 */
export function searchAuditEntries(db: DbOrTx, filter: AuditSearchFilter, page: { limit: number; offset: number }) {
  let query = db.selectFrom('audit_entries as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .leftJoin('organisations as o', 'o.id', 'a.actor_organisation_id')
    .select([
      'a.id', 'a.occurred_at', 'a.action', 'a.child_id', 'a.basis', 'a.reason', 'a.outcome', 'a.actor_role', 'a.actor_api_client', 'a.request_id',
      'u.display_name as actor_name', 'u.email as actor_email', 'o.name as organisation_name',
    ])
    .where('a.id', '<=', filter.upToId);
  if (filter.actorUserId) query = query.where('a.actor_user_id', '=', filter.actorUserId);
  if (filter.childId) query = query.where('a.child_id', '=', filter.childId);
  if (filter.organisationId) query = query.where('a.actor_organisation_id', '=', filter.organisationId);
  if (filter.from) query = query.where('a.occurred_at', '>=', filter.from);
  if (filter.before) query = query.where('a.occurred_at', '<', filter.before);
  if (filter.action) query = query.where('a.action', '=', filter.action);
  if (filter.basisContains) query = query.where('a.basis', 'ilike', likePattern(filter.basisContains));
  return query.orderBy('a.id', 'desc').limit(page.limit).offset(page.offset).execute();
}

/** An alert's latest `limit` audit entries, newest (highest id) first, with the actor's name and organisation. */
export function alertEntries(db: DbOrTx, alertId: number, limit: number) {
  return db.selectFrom('access_alert_entries as ae')
    .innerJoin('audit_entries as a', 'a.id', 'ae.audit_entry_id')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .leftJoin('organisations as o', 'o.id', 'a.actor_organisation_id')
    .select([
      'a.id', 'a.occurred_at', 'a.action', 'a.child_id', 'a.basis', 'a.reason', 'a.outcome', 'a.actor_role', 'a.actor_api_client', 'a.request_id',
      'u.display_name as actor_name', 'u.email as actor_email', 'o.name as organisation_name',
    ])
    .where('ae.alert_id', '=', alertId)
    .orderBy('ae.audit_entry_id', 'desc')
    .limit(limit)
    .execute();
}

export function findUserIdByEmail(db: DbOrTx, email: string) {
  return db.selectFrom('users').select('id').where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

export function findOrganisationIdByCode(db: DbOrTx, code: string) {
  return db.selectFrom('organisations').select('id').where(sql<string>`upper(code)`, '=', code.toUpperCase()).executeTakeFirst();
}

const alertColumns = [
  'al.id', 'al.rule', 'al.subject_user_id', 'al.subject_api_client', 'al.child_id', 'al.raised_at', 'al.window_start', 'al.window_end',
  'al.summary', 'al.status', 'al.reviewed_at', 'al.review_note',
  'u.display_name as subject_name', 'u.email as subject_email', 'o.name as organisation_name', 'r.display_name as reviewer_name',
] as const;

function alertsOf(db: DbOrTx, councilId: string) {
  return db.selectFrom('access_alerts as al')
    .leftJoin('users as u', 'u.id', 'al.subject_user_id')
    .leftJoin('organisations as o', 'o.id', 'al.organisation_id')
    .leftJoin('users as r', 'r.id', 'al.reviewed_by')
    .where('al.council_id', '=', councilId);
}

/** One council's alerts: open first, then newest first. */
export function listAlerts(db: DbOrTx, councilId: string, status: AlertStatus | null, page: { limit: number; offset: number }) {
  let query = alertsOf(db, councilId).select([...alertColumns, 'al.entry_count']);
  if (status) query = query.where('al.status', '=', status);
  return query
    .orderBy(sql`(al.status <> 'open')`).orderBy('al.raised_at', 'desc').orderBy('al.id', 'desc')
    .limit(page.limit).offset(page.offset).execute();
}

/** One alert of this council, or undefined (another council's alert is not there for it). */
export function findAlert(db: DbOrTx, councilId: string, id: number) {
  return alertsOf(db, councilId)
    .select([...alertColumns, 'al.entry_count'])
    .where('al.id', '=', id)
    .executeTakeFirst();
}

/** Records a review; false when the alert is not this council's. */
export async function saveReview(db: DbOrTx, councilId: string, id: number, review: { status: Exclude<AlertStatus, 'open'>; note: string | null; by: string; at: Date }): Promise<boolean> {
  const result = await db.updateTable('access_alerts')
    .set({ status: review.status, review_note: review.note, reviewed_by: review.by, reviewed_at: review.at })
    .where('id', '=', id).where('council_id', '=', councilId)
    .executeTakeFirst();
  // A break-glass alert's review is the grant's review (src/break-glass): one queue, one decision.
  if (Number(result.numUpdatedRows) === 1) {
    await db.updateTable('break_glass_grants')
      .set({ review_status: review.status, review_note: review.note, reviewed_by: review.by, reviewed_at: review.at })
      .where('alert_id', '=', id).execute();
  }
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Raises one alert at once, in the caller's transaction (break-glass: the officers must know now,
 * not at the next scan). Returns its id.
 */
export async function raiseAlert(tx: DbOrTx, alert: NewAlertRow): Promise<number> {
  const row = await tx.insertInto('access_alerts').values(alertRow(alert)).returning('id').executeTakeFirstOrThrow();
  await addAlertEntries(tx, [{ alertId: row.id, entryIds: alert.entryIds }]);
  return row.id;
}
