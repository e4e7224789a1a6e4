import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { randomToken, sha256 } from '../platform/crypto/tokens.js';
import { timingSafeEqual } from 'node:crypto';
import type { ApiCaller } from '../platform/http/request-context.js';
import type { Clock } from '../platform/time/clock.js';
import { deleteExpiredTokens, findApiClient, findLiveToken, insertApiClient, insertApiToken } from './api-clients.repository.js';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * OAuth 2.0 client credentials for agency systems (RFC 6749 §4.4). Client secrets and access
 * tokens are 256-bit random values stored only as SHA-256 hashes: they are high-entropy, so a
 * fast hash is safe and keeps token checks cheap on every API call.
 */
export class ApiClientsService {
  constructor(private readonly deps: { db: Db; clock: Clock; config: Config }) {}

  async register(organisationId: string, name: string, sourceSystems: readonly string[] = []): Promise<{ clientId: string; clientSecret: string }> {
    const clientId = `sp_${randomToken(12)}`;
    const clientSecret = randomToken(32);
    await insertApiClient(this.deps.db, { clientId, secretHash: sha256(clientSecret), organisationId, name, sourceSystems: sourceSystems.map((s) => s.trim()).filter(Boolean) });
    return { clientId, clientSecret };
  }

  /** A short-lived bearer token, or null when the client is unknown, disabled or the secret wrong. */
  async issueToken(clientId: string, clientSecret: string): Promise<IssuedToken | null> {
    const { db, clock, config } = this.deps;
    const client = clientId.length <= 100 ? await findApiClient(db, clientId) : undefined;
    const presented = sha256(clientSecret);
    const stored = client?.secret_hash ?? Buffer.alloc(32);
    if (!client || client.disabled_at || !timingSafeEqual(presented, stored)) return null;
    const now = clock.now();
    const accessToken = randomToken(32);
    const expiresIn = config.apiTokenMinutes * 60;
    await insertApiToken(db, { hash: sha256(accessToken), apiClientId: client.id, at: now, expiresAt: new Date(now.getTime() + expiresIn * 1000) });
    if (Math.random() < 0.01) await deleteExpiredTokens(db, now);
    return { accessToken, expiresIn };
  }

  async callerFor(bearer: string | undefined): Promise<ApiCaller | null> {
    if (!bearer || bearer.length > 100) return null;
    const row = await findLiveToken(this.deps.db, sha256(bearer), this.deps.clock.now());
    return row ? { clientId: row.client_id, organisationId: row.organisation_id, sourceSystems: row.source_systems } : null;
  }
}

/** The token in an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9_\-.~+/]+=*)$/i.exec(header ?? '');
  return match?.[1];
}
