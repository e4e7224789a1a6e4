import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';

export function findChildCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('children').select(['id', 'responsible_council_id']).where('id', '=', childId).forUpdate().executeTakeFirst();
}

export async function insertGrant(db: DbOrTx, row: { userId: string; childId: string; reasonCode: string; reasonText: string; grantedAt: Date; expiresAt: Date }): Promise<string> {
  const inserted = await db.insertInto('break_glass_grants').values({
    user_id: row.userId, child_id: row.childId, reason_code: row.reasonCode, reason_text: row.reasonText, granted_at: row.grantedAt, expires_at: row.expiresAt,
  }).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

export async function linkAlert(db: DbOrTx, grantId: string, alertId: number): Promise<void> {
  await db.updateTable('break_glass_grants').set({ alert_id: alertId }).where('id', '=', grantId).execute();
}

/** The audit entry just written for this grant in this transaction (the alert points at it). */
export async function latestBreakGlassEntryId(db: DbOrTx, userId: string, childId: string): Promise<number> {
  const { rows } = await sql<{ id: string | number }>`
    SELECT max(id) AS id FROM audit_entries WHERE action = 'break_glass' AND actor_user_id = ${userId}::uuid AND child_id = ${childId}::uuid`.execute(db);
  return Number(rows[0]?.id ?? 0);
}

/** The users behind the child's open lead-professional involvement today. */
export async function leadProfessionalUsers(db: DbOrTx, childId: string, today: CalendarDate): Promise<string[]> {
  const rows = await db.selectFrom('involvements as i')
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

export function findTotp(db: DbOrTx, userId: string) {
  return db.selectFrom('users').select(['id', 'totp_secret', 'totp_enrolled_at']).where('id', '=', userId).executeTakeFirst();
}
