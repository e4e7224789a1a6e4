import type { Db, DbOrTx } from '../platform/db/database.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate } from '../platform/time/calendar-date.js';
import type { Viewer } from '../access/viewer.js';
import {
  countUnread,
  findFlagsOfKinds,
  findLeadProfessionalUsers,
  insertNotifications,
  listNotifications,
  markAllRead,
  type Inbox,
  type NewNotification,
  type NotificationRow,
} from './notifications.repository.js';
import { NOTIFYING_FLAG_KINDS, whomToNotifyOfLook, type FlagFact } from './look-notifications.js';

/** Roles that staff their council's duty inbox. */
export const DUTY_INBOX_ROLES: readonly string[] = ['social_worker', 'mash_officer', 'council_administrator'];

/** The person reading notices: their own, and their council's duty inbox if they staff it. */
export interface NotificationReader {
  id: string;
  organisationId: string;
  role: string;
}

export type NotificationItem = NotificationRow;

const PAGE_SIZE = 200;

/**
 * Sends in-app notifications with what caused them (in the caller's transaction, or, for a look,
 * in the statement that writes its audit entry), so a look and the notice of it stand or fall
 * together. Recipients are a user (e.g. the lead professional) or a council's duty
 * inbox. Nothing here sends email: a notice about a child never leaves the system.
 */
export class NotificationsService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  async send(tx: DbOrTx, notifications: readonly NewNotification[]): Promise<void> {
    await insertNotifications(tx, notifications);
  }

  /**
   * The CP-IS pattern (SECURITY §1), for a look in a transaction: writes {@link noticesOfLook}.
   * Returns how many notices were written.
   */
  async notifyLook(tx: DbOrTx, viewer: Viewer, childId: string, reason: string, flagsRead?: readonly FlagFact[]): Promise<number> {
    const notices = await this.noticesOfLook(tx, viewer, childId, reason, flagsRead);
    await insertNotifications(tx, notices);
    return notices.length;
  }

  /**
   * The notices an allowed signpost look calls for, to be written with its audit entry (none for
   * most looks). If the child has an active protection-plan or looked-after flag and the viewer is
   * outside its responsible council, that council's duty inbox and the lead professional are told
   * who looked, from where, when and why. A look that has just read the child's flags (the
   * signpost shows them all) passes them as `flagsRead`, so they are not read twice; otherwise
   * they are read here.
   */
  async noticesOfLook(db: DbOrTx, viewer: Viewer, childId: string, reason: string, flagsRead?: readonly FlagFact[]): Promise<NewNotification[]> {
    const now = this.deps.clock.now();
    const today = ukDate(now);
    const flags = flagsRead ?? await findFlagsOfKinds(db, childId, NOTIFYING_FLAG_KINDS);
    const viewerUserId = viewer.kind === 'user' ? viewer.userId : null;
    const base = { viewerOrganisationId: viewer.organisationId, viewerUserId, today, flags };
    // The lead professional is looked up only when a council is to be told.
    if (whomToNotifyOfLook({ ...base, leadProfessionalUserIds: [] }).councilIds.length === 0) return [];
    const recipients = whomToNotifyOfLook({ ...base, leadProfessionalUserIds: await findLeadProfessionalUsers(db, childId, today) });
    const notice = {
      kind: 'flagged_child_viewed' as const,
      childId,
      actorUserId: viewerUserId,
      actorApiClient: viewer.kind === 'api-client' ? viewer.clientId : null,
      actorOrganisationId: viewer.organisationId,
      actorRole: viewer.kind === 'user' ? viewer.role : 'agency_system',
      reason,
      createdAt: now,
    };
    return [
      ...recipients.councilIds.map((councilId) => ({ ...notice, recipientCouncilId: councilId })),
      ...recipients.userIds.map((userId) => ({ ...notice, recipientUserId: userId })),
    ];
  }

  /** Unread notices for the header: one indexed count. */
  unreadCount(reader: NotificationReader): Promise<number> {
    return countUnread(this.deps.db, inboxOf(reader));
  }

  /** The reader's notices, newest first. */
  list(reader: NotificationReader): Promise<NotificationItem[]> {
    return listNotifications(this.deps.db, inboxOf(reader), PAGE_SIZE);
  }

  async markAllRead(reader: NotificationReader): Promise<void> {
    await markAllRead(this.deps.db, inboxOf(reader), this.deps.clock.now());
  }
}

/**
 * A council's duty staff read its inbox. Only councils are ever sent inbox notices, so a duty role
 * at another kind of organisation finds none there.
 */
export function inboxOf(reader: NotificationReader): Inbox {
  return { userId: reader.id, councilId: DUTY_INBOX_ROLES.includes(reader.role) ? reader.organisationId : null };
}
