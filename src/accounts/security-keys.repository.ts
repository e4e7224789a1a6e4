import type { DbOrTx } from '../platform/db/database.js';

/** A registered security key as the service sees it (the counter as a number). */
export interface SecurityKeyRow {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  nickname: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const columns = ['id', 'user_id', 'credential_id', 'public_key', 'counter', 'transports', 'nickname', 'created_at', 'last_used_at'] as const;

function toRow(r: { id: string; user_id: string; credential_id: string; public_key: Buffer; counter: string; transports: string[]; nickname: string; created_at: Date; last_used_at: Date | null }): SecurityKeyRow {
  return {
    id: r.id, userId: r.user_id, credentialId: r.credential_id, publicKey: r.public_key, counter: Number(r.counter),
    transports: r.transports, nickname: r.nickname, createdAt: r.created_at, lastUsedAt: r.last_used_at,
  };
}

export async function listSecurityKeys(db: DbOrTx, userId: string): Promise<SecurityKeyRow[]> {
  const rows = await db.selectFrom('webauthn_credentials').select(columns).where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toRow);
}

/** Looked up by the authenticator's id alone: the caller checks it belongs to the person signing in. */
export async function findSecurityKeyByCredentialId(db: DbOrTx, credentialId: string): Promise<SecurityKeyRow | undefined> {
  const row = await db.selectFrom('webauthn_credentials').select(columns).where('credential_id', '=', credentialId).executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export async function countSecurityKeys(db: DbOrTx, userId: string): Promise<number> {
  const row = await db.selectFrom('webauthn_credentials').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSecurityKey(
  db: DbOrTx,
  key: { userId: string; credentialId: string; publicKey: Buffer; counter: number; transports: string[]; nickname: string; at: Date },
): Promise<string> {
  const row = await db.insertInto('webauthn_credentials').values({
    user_id: key.userId, credential_id: key.credentialId, public_key: key.publicKey, counter: key.counter,
    transports: key.transports, nickname: key.nickname, created_at: key.at,
  }).onConflict((oc) => oc.column('credential_id').doNothing()).returning('id').executeTakeFirst();
  return row?.id ?? '';
}

/**
 * Records a use, only if the signature counter moves forward (or the authenticator keeps none and
 * both are 0): the update is the clone check, so two concurrent sign-ins cannot both pass it.
 */
export async function acceptSecurityKeyUse(db: DbOrTx, id: string, newCounter: number, at: Date): Promise<boolean> {
  const result = await db.updateTable('webauthn_credentials').set({ counter: newCounter, last_used_at: at })
    .where('id', '=', id)
    // pg reads bigint as a string, so Kysely types the column so; PostgreSQL casts the literal.
    .where('counter', newCounter === 0 ? '=' : '<', String(newCounter))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteSecurityKey(db: DbOrTx, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webauthn_credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
