import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

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

export function findTotp(db: DbOrTx, userId: string) {
  return db.selectFrom('users').select(['id', 'totp_secret', 'totp_enrolled_at']).where('id', '=', userId).executeTakeFirst();
}
