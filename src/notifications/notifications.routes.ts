import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { formatDateTime } from '../platform/time/calendar-date.js';
import type { NotificationItem, NotificationsService } from './notifications.service.js';
import { describeReason } from '../search/search-reasons.js';

const MarkReadForm = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

const WHAT: Record<NotificationItem['kind'], string> = {
  flagged_child_viewed: 'looked at the record of',
  break_glass_used: 'used emergency access to the record of',
  shield_followed: 'shielded a likely duplicate of',
};

/** The sentence a notice reads as: who, from where, in what role, what, which child (by reference), when and why. */
export function noticeText(n: NotificationItem): string {
  const role = (n.actor_role ?? 'unknown').replaceAll('_', ' ');
  const organisation = n.actor_organisation_name ?? 'an unknown organisation';
  const who = n.actor_api_client_name !== null
    ? `The agency system "${n.actor_api_client_name}" at ${organisation}`
    : `${n.actor_name ?? 'A practitioner'} at ${organisation} (role: ${role})`;
  const child = n.child_id === null ? 'a child' : `child reference ${n.child_id}`;
  return `${who} ${WHAT[n.kind]} ${child} on ${formatDateTime(n.created_at)}. Reason given: ${describeReason(n.reason)}`;
}

/**
 * `GET /notifications`: a signed-in user's notices and their council's duty inbox; "Mark all as
 * read"; and the unread count every signed-in page shows in its header (one indexed count per
 * page request; skipped for the API and for requests without a signed-in user).
 */
export function registerNotificationRoutes(app: FastifyInstance, deps: { notifications: NotificationsService }): void {
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.access !== 'user' || !request.user || request.method !== 'GET') return;
    const unreadNotifications = await deps.notifications.unreadCount(request.user);
    request.pageExtras = { ...request.pageExtras, unreadNotifications };
  });

  app.get('/notifications', { config: { access: 'user' }, schema: { hide: true } }, async (request, reply) => {
    const items = await deps.notifications.list(request.user!);
    return reply.renderPage('notifications/views/notifications.njk', {
      notices: items.map((n) => ({ text: noticeText(n), childId: n.child_id, read: n.read, toCouncil: n.to_council })),
    });
  });

  app.post<{ Body: Static<typeof MarkReadForm> }>(
    '/notifications/read',
    { config: { access: 'user' }, schema: { body: MarkReadForm, hide: true } },
    async (request, reply) => {
      await deps.notifications.markAllRead(request.user!);
      return reply.redirect('/notifications', 303);
    },
  );
}
