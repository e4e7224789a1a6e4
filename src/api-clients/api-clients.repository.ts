import type { DbOrTx } from '../platform/db/database.js';

export async function insertApiClient(
  db: DbOrTx,
  client: { clientId: string; secretHash: Buffer; organisationId: string; name: string; sourceSystems: readonly string[] },
): Promise<void> {
  await db.insertInto('api_clients').values({
    client_id: client.clientId,
    secret_hash: client.secretHash,
    organisation_id: client.organisationId,
    name: client.name,
    source_systems: [...client.sourceSystems],
  }).execute();
}

export function findApiClient(db: DbOrTx, clientId: string) {
  return db.selectFrom('api_clients').select(['id', 'client_id', 'secret_hash', 'organisation_id', 'disabled_at'])
    .where('client_id', '=', clientId).executeTakeFirst();
}

export async function insertApiToken(db: DbOrTx, token: { hash: Buffer; apiClientId: string; at: Date; expiresAt: Date }): Promise<void> {
  await db.insertInto('api_tokens').values({
    token_hash: token.hash,
    api_client_id: token.apiClientId,
    created_at: token.at,
    expires_at: token.expiresAt,
  }).execute();
}

export function findLiveToken(db: DbOrTx, hash: Buffer, at: Date) {
  return db.selectFrom('api_tokens').innerJoin('api_clients', 'api_clients.id', 'api_tokens.api_client_id')
    .select(['api_clients.client_id', 'api_clients.organisation_id', 'api_clients.source_systems'])
    .where('api_tokens.token_hash', '=', hash).where('api_tokens.expires_at', '>', at)
    .where('api_clients.disabled_at', 'is', null).executeTakeFirst();
}

/** Expired tokens are useless; remove them so the table stays small. */
export async function deleteExpiredTokens(db: DbOrTx, at: Date): Promise<void> {
  await db.deleteFrom('api_tokens').where('expires_at', '<=', at).execute();
}
