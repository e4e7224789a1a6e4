import type { DbOrTx } from '../platform/db/database.js';
import { PREPARED } from '../platform/db/prepared.js';
import { precompiled } from '../platform/db/precompiled.js';

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

/**
 * A session that has not ended, with what every request checks about its account (disabled,
 * vetting, role, organisation) read in the same query: this runs on every signed-in request, and
 * on a busy machine each round trip to PostgreSQL costs more than the query itself. (Sessions
 * reference their account, so the joins find one whenever the session exists.)
 */
export async function findLiveSessionWithAccount(db: DbOrTx, idHash: Buffer) {
  return (await liveSessionWithAccount(db, idHash)).rows[0];
}

// Read on every signed-in request: built once (precompiled.ts).
const liveSessionWithAccount = precompiled((db: DbOrTx, idHash: Buffer) => db.selectFrom('sessions')
  .modifyFront(PREPARED)
  .innerJoin('users', 'users.id', 'sessions.user_id')
  .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
  .select([
    'sessions.user_id', 'sessions.stage', 'sessions.csrf_token', 'sessions.created_at', 'sessions.last_seen_at',
    'users.email', 'users.display_name', 'users.role', 'users.organisation_id', 'users.disabled_at',
    'users.dbs_checked_on', 'users.training_completed_on', 'users.agreement_signed_on', 'organisations.name as organisation_name',
  ])
  .where('sessions.id_hash', '=', idHash).where('sessions.ended_at', 'is', null));

export async function touchSession(db: DbOrTx, idHash: Buffer, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function endSession(db: DbOrTx, idHash: Buffer, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ ended_at: at }).where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
}

export async function endAllSessionsOfUser(db: DbOrTx, userId: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ ended_at: at }).where('user_id', '=', userId).where('ended_at', 'is', null).execute();
}

export type WebAuthnPurpose = 'registration' | 'authentication';

/** Keeps a WebAuthn challenge on the session, replacing any earlier one. */
export async function setWebAuthnChallenge(db: DbOrTx, idHash: Buffer, challenge: { value: string; purpose: WebAuthnPurpose; expiresAt: Date }): Promise<void> {
  await db.updateTable('sessions')
    .set({ webauthn_challenge: challenge.value, webauthn_purpose: challenge.purpose, webauthn_expires_at: challenge.expiresAt })
    .where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
}

/**
 * Takes the session's challenge and clears it in one statement, so it can be answered once even
 * by two requests at the same moment. Returns it whatever its purpose or age; the caller checks.
 */
export async function takeWebAuthnChallenge(db: DbOrTx, idHash: Buffer) {
  const taken = await db.with('old', (q) => q.selectFrom('sessions').select(['id_hash', 'webauthn_challenge', 'webauthn_purpose', 'webauthn_expires_at'])
    .where('id_hash', '=', idHash).where('webauthn_challenge', 'is not', null).forUpdate())
    .updateTable('sessions').from('old')
    .set({ webauthn_challenge: null, webauthn_purpose: null, webauthn_expires_at: null })
    .whereRef('sessions.id_hash', '=', 'old.id_hash')
    .returning(['old.webauthn_challenge as challenge', 'old.webauthn_purpose as purpose', 'old.webauthn_expires_at as expiresAt'])
    .executeTakeFirst();
  return taken?.challenge && taken.purpose && taken.expiresAt ? { challenge: taken.challenge, purpose: taken.purpose, expiresAt: taken.expiresAt } : null;
}
