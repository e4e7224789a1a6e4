import type { DbOrTx } from '../platform/db/database.js';

export type SessionStage = 'mfa_enrolment' | 'mfa_challenge' | 'active';

export async function insertSession(
  db: DbOrTx,
  session: { idHash: Buffer; userId: string; stage: SessionStage; csrfToken: string; at: Date },
): Promise<void> {
  await db.insertInto('sessions').values({
    id_hash: session.idHash,
    user_id: session.userId,
    stage: session.stage,
    csrf_token: session.csrfToken,
    created_at: session.at,
    last_seen_at: session.at,
  }).execute();
}

export function findLiveSession(db: DbOrTx, idHash: Buffer) {
  return db.selectFrom('sessions')
    .select(['id_hash', 'user_id', 'stage', 'csrf_token', 'created_at', 'last_seen_at'])
    .where('id_hash', '=', idHash).where('ended_at', 'is', null).executeTakeFirst();
}

export async function touchSession(db: DbOrTx, idHash: Buffer, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function endSession(db: DbOrTx, idHash: Buffer, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ ended_at: at }).where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
}

export async function endAllSessionsOfUser(db: DbOrTx, userId: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ ended_at: at }).where('user_id', '=', userId).where('ended_at', 'is', null).execute();
}
