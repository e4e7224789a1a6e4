import type { DbOrTx } from '../platform/db/database.js';
import type { NotificationsTable } from '../platform/db/schema.js';

export interface NewNotification {
  recipientUserId?: string | null;
  recipientCouncilId?: string | null;
  kind: NotificationsTable['kind'];
  childId: string | null;
  actorUserId: string | null;
  actorOrganisationId: string | null;
  reason: string | null;
}

export async function insertNotifications(db: DbOrTx, notifications: readonly NewNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  await db.insertInto('notifications').values(notifications.map((n) => ({
    recipient_user_id: n.recipientUserId ?? null,
    recipient_council_id: n.recipientCouncilId ?? null,
    kind: n.kind,
    child_id: n.childId,
    actor_user_id: n.actorUserId,
    actor_organisation_id: n.actorOrganisationId,
    reason: n.reason === null ? null : n.reason.slice(0, 600),
  }))).execute();
}
