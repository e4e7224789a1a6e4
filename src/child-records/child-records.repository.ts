import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { IdentifierKind } from '../children/child-identity.js';

export interface IdentifierRow {
  kind: IdentifierKind;
  issuer: string;
  lookup: Buffer;
  value: Buffer;
  validFrom: CalendarDate | null;
  validTo: CalendarDate | null;
}

/** Which children already hold any of these identifiers (kind, issuer, keyed hash). */
export async function findIdentifierOwners(db: DbOrTx, ids: readonly Pick<IdentifierRow, 'kind' | 'issuer' | 'lookup'>[]): Promise<{ kind: IdentifierKind; issuer: string; childId: string }[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ kind: IdentifierKind; issuer: string; child_id: string }>`
    SELECT i.kind, i.issuer, i.child_id
    FROM child_identifiers i
    JOIN unnest(${ids.map((i) => i.kind)}::text[], ${ids.map((i) => i.issuer)}::text[], ${ids.map((i) => i.lookup)}::bytea[]) AS p(kind, issuer, lookup)
      ON i.kind = p.kind AND i.issuer = p.issuer AND i.lookup = p.lookup`.execute(db);
  return rows.map((r) => ({ kind: r.kind, issuer: r.issuer, childId: r.child_id }));
}

/** Adds identifiers the child does not hold yet; one already held is left as it is. */
export async function insertIdentifiers(db: DbOrTx, childId: string, rows: readonly IdentifierRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('child_identifiers')
    .values(rows.map((r) => ({ child_id: childId, kind: r.kind, issuer: r.issuer, lookup: r.lookup, value: r.value, valid_from: r.validFrom, valid_to: r.validTo })))
    .onConflict((oc) => oc.columns(['kind', 'issuer', 'lookup']).doNothing())
    .execute();
}

export function listIdentifiers(db: DbOrTx, childId: string) {
  return db.selectFrom('child_identifiers')
    .select(['kind', 'issuer', 'value', 'valid_from', 'valid_to'])
    .where('child_id', '=', childId)
    .orderBy('kind').orderBy('created_at')
    .execute();
}

/** Locks the child row so concurrent updates from two feeds apply one after the other. */
export function lockChild(db: DbOrTx, childId: string) {
  return db.selectFrom('children').select(['id', 'shielded', 'responsible_council_id']).where('id', '=', childId).forUpdate().executeTakeFirst();
}

export function findShield(db: DbOrTx, childId: string) {
  return db.selectFrom('child_shields').selectAll().where('child_id', '=', childId).executeTakeFirst();
}

export interface ShieldRow {
  childId: string;
  councilId: string;
  reason: Buffer;
  decidedBy: string;
  decidedOn: CalendarDate;
  reviewOn: CalendarDate;
  setByUserId: string | null;
}

/** Sets (or replaces) the shield and the children.shielded flag every query filters on, together. */
export async function saveShield(db: DbOrTx, row: ShieldRow): Promise<void> {
  await db.insertInto('child_shields')
    .values({ child_id: row.childId, council_id: row.councilId, reason: row.reason, decided_by: row.decidedBy, decided_on: row.decidedOn, review_on: row.reviewOn, set_by_user_id: row.setByUserId })
    .onConflict((oc) => oc.column('child_id').doUpdateSet((eb) => ({
      council_id: eb.ref('excluded.council_id'), reason: eb.ref('excluded.reason'), decided_by: eb.ref('excluded.decided_by'),
      decided_on: eb.ref('excluded.decided_on'), review_on: eb.ref('excluded.review_on'), set_by_user_id: eb.ref('excluded.set_by_user_id'),
    })))
    .execute();
  await db.updateTable('children').set({ shielded: true, updated_at: sql<Date>`now()` }).where('id', '=', row.childId).execute();
}

export async function removeShield(db: DbOrTx, childId: string): Promise<void> {
  await db.deleteFrom('child_shields').where('child_id', '=', childId).execute();
  await db.deleteFrom('child_seal_holders').where('child_id', '=', childId).execute();
  await db.updateTable('children').set({ shielded: false, updated_at: sql<Date>`now()` }).where('id', '=', childId).execute();
}

export async function addSealHolder(db: DbOrTx, childId: string, userId: string, grantedBy: string | null): Promise<void> {
  await db.insertInto('child_seal_holders').values({ child_id: childId, user_id: userId, granted_by_user_id: grantedBy })
    .onConflict((oc) => oc.columns(['child_id', 'user_id']).doNothing()).execute();
}

export function listSealHolders(db: DbOrTx, childId: string) {
  return db.selectFrom('child_seal_holders')
    .innerJoin('users', 'users.id', 'child_seal_holders.user_id')
    .select(['users.id', 'users.display_name', 'users.email'])
    .where('child_seal_holders.child_id', '=', childId)
    .orderBy('users.display_name')
    .execute();
}

/**
 * The access facts for a set of children and one user in a single query: whether each is shielded
 * and whether the user is one of its named seal-holders. Children that do not exist are absent.
 */
export async function findAccessFacts(db: DbOrTx, childIds: readonly string[], userId: string | null): Promise<Map<string, { shielded: boolean; sealHolder: boolean; responsibleCouncilId: string }>> {
  if (childIds.length === 0) return new Map();
  const rows = await db.selectFrom('children')
    .leftJoin('child_seal_holders as h', (join) => join.onRef('h.child_id', '=', 'children.id').on('h.user_id', '=', userId ?? '00000000-0000-0000-0000-000000000000'))
    .select(['children.id', 'children.shielded', 'children.responsible_council_id', 'h.user_id'])
    .where('children.id', 'in', childIds)
    .execute();
  return new Map(rows.map((r) => [r.id, { shielded: r.shielded, sealHolder: r.user_id !== null, responsibleCouncilId: r.responsible_council_id }]));
}

/** End dates of every involvement and flag (null while open), for the retention rule. */
export async function listPeriodEnds(db: DbOrTx, childId: string): Promise<(CalendarDate | null)[]> {
  const { rows } = await sql<{ ended_on: CalendarDate | null }>`
    SELECT ended_on FROM involvements WHERE child_id = ${childId}
    UNION ALL
    SELECT ended_on FROM child_flags WHERE child_id = ${childId}`.execute(db);
  return rows.map((r) => r.ended_on);
}

export async function setLegalHold(db: DbOrTx, childId: string, reason: string | null): Promise<void> {
  await db.updateTable('children').set({ legal_hold_reason: reason, updated_at: sql<Date>`now()` }).where('id', '=', childId).execute();
}

export async function findLegalHold(db: DbOrTx, childId: string): Promise<string | null> {
  const row = await db.selectFrom('children').select('legal_hold_reason').where('id', '=', childId).executeTakeFirst();
  return row?.legal_hold_reason ?? null;
}
