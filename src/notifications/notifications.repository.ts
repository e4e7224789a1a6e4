import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import { PREPARED } from '../platform/db/prepared.js';
import type { NotificationsTable } from '../platform/db/schema.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { FlagFact } from './look-notifications.js';

export interface NewNotification {
  recipientUserId?: string | null;
  recipientCouncilId?: string | null;
  kind: NotificationsTable['kind'];
  childId: string | null;
  actorUserId: string | null;
  actorOrganisationId: string | null;
  /** An agency system's client id, when a system rather than a person acted. */
  actorApiClient?: string | null;
  actorRole?: string | null;
  reason: string | null;
  /** When it happened (the service's clock); the database's time when absent. */
  createdAt?: Date;
}

export async function insertNotifications(db: DbOrTx, notifications: readonly NewNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  await notificationsInsert(notifications).execute(db);
}

/**
 * The insert of these notifications, unexecuted: a look's notices are written by a data-modifying
 * CTE of the statement that also writes its audit entry, so both stand or fall together without a
 * transaction around the look. One array a column, as the audit's insert: the same text for any
 * number of notices (none included).
 */
export function notificationsInsert(notifications: readonly NewNotification[]) {
  const column = <T>(value: (n: NewNotification) => T) => notifications.map(value);
  return sql`INSERT INTO notifications (recipient_user_id, recipient_council_id, kind, child_id, actor_user_id, actor_organisation_id, actor_api_client, actor_role, reason, created_at)
    SELECT recipient_user_id, recipient_council_id, kind, child_id, actor_user_id, actor_organisation_id, actor_api_client, actor_role, reason, COALESCE(created_at, now())
    FROM unnest(${column((n) => n.recipientUserId ?? null)}::uuid[], ${column((n) => n.recipientCouncilId ?? null)}::uuid[], ${column((n) => n.kind)}::text[],
      ${column((n) => n.childId)}::uuid[], ${column((n) => n.actorUserId)}::uuid[], ${column((n) => n.actorOrganisationId)}::uuid[],
      ${column((n) => n.actorApiClient ?? null)}::text[], ${column((n) => n.actorRole ?? null)}::text[],
      ${column((n) => (n.reason === null ? null : n.reason.slice(0, 600)))}::text[], ${column((n) => n.createdAt ?? null)}::timestamptz[])
      AS n(recipient_user_id, recipient_council_id, kind, child_id, actor_user_id, actor_organisation_id, actor_api_client, actor_role, reason, created_at)`;
}

/** The child's flags of the given kinds (active or not: the decision is the caller's). */
export async function findFlagsOfKinds(db: DbOrTx, childId: string, kinds: readonly string[]): Promise<FlagFact[]> {
  const rows = await db.selectFrom('child_flags')
    .select(['kind', 'responsible_council_id', 'started_on', 'ended_on'])
    .where('child_id', '=', childId)
    .where('kind', 'in', [...kinds])
    .execute();
  return rows.map((r) => ({ kind: r.kind, responsibleCouncilId: r.responsible_council_id, startedOn: r.started_on, endedOn: r.ended_on }));
}

/** The enabled users behind the child's open lead-professional involvement on `today`. */
export async function findLeadProfessionalUsers(db: DbOrTx, childId: string, today: CalendarDate): Promise<string[]> {
  // Prepared: a look at a flagged child from outside its council asks this, and planning it was
  // most of its cost (pg_stat_statements at 100k: about 250 µs planning, 40 µs running).
  const rows = await db.selectFrom('involvements as i')
    .modifyFront(PREPARED)
    .innerJoin('users as u', 'u.practitioner_id', 'i.practitioner_id')
    .select('u.id')
    .where('i.child_id', '=', childId)
    .where('i.is_lead_professional', '=', true)
    .where('i.started_on', '<=', today)
    .where((eb) => eb.or([eb('i.ended_on', 'is', null), eb('i.ended_on', '>', today)]))
    .where('u.disabled_at', 'is', null)
    .execute();
  return [...new Set(rows.map((r) => r.id))];
}

/** Whose notices a user reads: their own, and their council's duty inbox when they staff it. */
export interface Inbox {
  userId: string;
  councilId: string | null;
}

function forInbox(inbox: Inbox) {
  return sql<boolean>`(n.recipient_user_id = ${inbox.userId}::uuid${inbox.councilId === null ? sql`` : sql` OR n.recipient_council_id = ${inbox.councilId}::uuid`})`;
}

/** Unread notices for the inbox: one count over the two recipient indexes and the reads' key. */
export async function countUnread(db: DbOrTx, inbox: Inbox): Promise<number> {
  const { rows } = await sql<{ count: string }>`${PREPARED}
    SELECT count(*) AS count FROM notifications n
    WHERE ${forInbox(inbox)}
      AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ${inbox.userId}::uuid)`.execute(db);
  return Number(rows[0]?.count ?? 0);
}

export interface NotificationRow {
  id: number;
  kind: NotificationsTable['kind'];
  child_id: string | null;
  to_council: boolean;
  actor_name: string | null;
  actor_role: string | null;
  actor_api_client_name: string | null;
  actor_organisation_name: string | null;
  reason: string | null;
  created_at: Date;
  read: boolean;
}

/** The inbox's notices, newest first, with who acted and from where; nothing about the child but its id. */
export async function listNotifications(db: DbOrTx, inbox: Inbox, limit: number): Promise<NotificationRow[]> {
  const { rows } = await sql<Omit<NotificationRow, 'id'> & { id: string | number }>`
    SELECT n.id, n.kind, n.child_id, n.recipient_council_id IS NOT NULL AS to_council,
           u.display_name AS actor_name, coalesce(n.actor_role, u.role) AS actor_role,
           c.name AS actor_api_client_name, o.name AS actor_organisation_name,
           n.reason, n.created_at,
           EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ${inbox.userId}::uuid) AS read
    FROM notifications n
    LEFT JOIN users u ON u.id = n.actor_user_id
    LEFT JOIN api_clients c ON c.client_id = n.actor_api_client
    LEFT JOIN organisations o ON o.id = n.actor_organisation_id
    WHERE ${forInbox(inbox)}
    ORDER BY n.created_at DESC, n.id DESC
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Marks every notice in the inbox read for this user (idempotent). */
export async function markAllRead(db: DbOrTx, inbox: Inbox, at: Date): Promise<void> {
  await sql`
    INSERT INTO notification_reads (notification_id, user_id, read_at)
    SELECT n.id, ${inbox.userId}::uuid, ${at} FROM notifications n WHERE ${forInbox(inbox)}
    ON CONFLICT DO NOTHING`.execute(db);
}
