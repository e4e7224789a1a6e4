import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

export interface FeedPractitioner {
  organisationId: string;
  name: string;
  role: string;
  phone: string | null;
  email: string | null;
}

/**
 * The practitioner an agency system names, added to the directory the first time it is sent.
 * Same organisation, same name (ignoring case) and same email (or both without one) is the same
 * person. A transaction-scoped advisory lock on that key stops two deliveries at once adding two.
 */
export async function findOrAddPractitioner(tx: DbOrTx, p: FeedPractitioner): Promise<string> {
  const key = `practitioner\u001f${p.organisationId}\u001f${p.name.toLowerCase()}\u001f${p.email?.toLowerCase() ?? ''}`;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(tx);
  const existing = await tx.selectFrom('practitioners').select('id')
    .where('organisation_id', '=', p.organisationId)
    .where(sql<string>`lower(name)`, '=', p.name.toLowerCase())
    .where(sql<string | null>`lower(email)`, 'is not distinct from', p.email?.toLowerCase() ?? null)
    .orderBy('created_at').limit(1)
    .executeTakeFirst();
  if (existing) return existing.id;
  const row = await tx.insertInto('practitioners')
    .values({ organisation_id: p.organisationId, name: p.name, role: p.role, team: null, phone: p.phone, email: p.email })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}
