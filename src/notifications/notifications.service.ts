import type { DbOrTx } from '../platform/db/database.js';
import { insertNotifications, type NewNotification } from './notifications.repository.js';

/**
 * Sends in-app notifications inside the caller's transaction, so a look and the notice of it
 * stand or fall together. Recipients are a user (e.g. the lead professional) or a council's duty
 * inbox. Nothing here sends email: a notice about a child never leaves the system.
 */
export class NotificationsService {
  async send(tx: DbOrTx, notifications: readonly NewNotification[]): Promise<void> {
    await insertNotifications(tx, notifications);
  }
}
