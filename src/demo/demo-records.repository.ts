import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { IdentifierKind, RecordTrigger } from '../children/child-identity.js';

/**
 * Bulk writes and reads for the demo seed's child records: linked identifiers, shields and
 * seal-holders. Values arrive sealed under each child's data key; nothing here sees a clear one.
 */

export interface DemoIdentifierRow {
  childId: string;
  kind: IdentifierKind;
  issuer: string;
  /** Keyed hash the identifier is found by (BlindIndexer.identifierLookup). */
  lookup: Buffer;
  /** The value sealed under the child's data key. */
  value: Buffer;
  validFrom: CalendarDate | null;
  validTo: CalendarDate | null;
}

export interface DemoShieldRow {
  childId: string;
  councilId: string;
  /** The reason sealed under the child's data key. */
  reason: Buffer;
  decidedBy: string;
  decidedOn: CalendarDate;
  reviewOn: CalendarDate;
}

/**
 * Writes a batch's identifiers and shields in ONE statement (`INSERT … SELECT FROM unnest(arrays)`
 * with a data-modifying CTE): one round trip however many rows, atomic on its own. Run it in the
 * transaction that stores the batch's children, so a resumed seed never finds a child without them.
 */
export async function insertDemoChildRecords(db: DbOrTx, rows: { identifiers: readonly DemoIdentifierRow[]; shields: readonly DemoShieldRow[] }): Promise<void> {
  const { identifiers: i, shields: s } = rows;
  if (i.length + s.length === 0) return;
  await sql`
    WITH new_shields AS (
      INSERT INTO child_shields (child_id, council_id, reason, decided_by, decided_on, review_on)
      SELECT * FROM unnest(
        ${s.map((r) => r.childId)}::uuid[], ${s.map((r) => r.councilId)}::uuid[], ${s.map((r) => r.reason)}::bytea[],
        ${s.map((r) => r.decidedBy)}::text[], ${s.map((r) => r.decidedOn)}::date[], ${s.map((r) => r.reviewOn)}::date[])
    )
    INSERT INTO child_identifiers (child_id, kind, issuer, lookup, value, valid_from, valid_to)
    SELECT * FROM unnest(
      ${i.map((r) => r.childId)}::uuid[], ${i.map((r) => r.kind)}::text[], ${i.map((r) => r.issuer)}::text[],
      ${i.map((r) => r.lookup)}::bytea[], ${i.map((r) => r.value)}::bytea[],
      ${i.map((r) => r.validFrom)}::date[], ${i.map((r) => r.validTo)}::date[])`.execute(db);
}

/** How many of these children exist (the walkthrough's, which the children seed must not count). */
export async function countChildrenAmong(db: DbOrTx, childIds: readonly string[]): Promise<number> {
  if (childIds.length === 0) return 0;
  const row = await db.selectFrom('children').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'in', childIds).executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Children the involvements seed has still to plan, in id order after `afterId`, with what their
 * identifiers say about their age without opening anything: a UPN means school age, and a
 * near-duplicate's feeding system hints at it (a health visitor's record is of a child under five).
 */
export async function listDemoChildrenToPlan(db: DbOrTx, afterId: string | null, limit: number) {
  const { rows } = await sql<{
    id: string;
    responsible_council_id: string;
    record_trigger: RecordTrigger;
    trigger_date: CalendarDate;
    unborn: boolean;
    has_upn: boolean;
    has_identifiers: boolean;
    source_system: string | null;
  }>`
    SELECT c.*, ids.has_upn, ids.has_identifiers, ids.source_system
    -- The page first, then its identifiers, through the child_id index for this page's children only.
    FROM (
      SELECT id, responsible_council_id, record_trigger, trigger_date, unborn
      FROM children
      WHERE NOT EXISTS (SELECT 1 FROM area_history a WHERE a.child_id = children.id)
        ${afterId === null ? sql`` : sql`AND id > ${afterId}::uuid`}
      ORDER BY id
      LIMIT ${limit}
    ) c
    CROSS JOIN LATERAL (
      SELECT coalesce(bool_or(i.kind = 'upn'), false) AS has_upn,
             count(*) > 0 AS has_identifiers,
             min(i.issuer) FILTER (WHERE i.kind = 'source_system') AS source_system
      FROM child_identifiers i
      WHERE i.child_id = c.id
    ) ids
    ORDER BY c.id`.execute(db);
  return rows;
}

/** The demo accounts by email, with their organisation. */
export function findUsersByEmail(db: DbOrTx, emails: readonly string[]) {
  if (emails.length === 0) return Promise.resolve([]);
  return db.selectFrom('users').select(['id', 'email', 'organisation_id']).where('email', 'in', emails).execute();
}

/**
 * Names `userId` a seal-holder for the first `limit` children (by id) the council shielded itself
 * (not shields that followed a likely match), unless the user already holds a seal for one of the
 * council's children: a second seed run adds nothing.
 */
export async function addFirstSealHolders(db: DbOrTx, options: { userId: string; councilId: string; limit: number; followedDecidedBy: string }): Promise<number> {
  const result = await sql`
    INSERT INTO child_seal_holders (child_id, user_id)
    SELECT s.child_id, ${options.userId}::uuid
    FROM child_shields s
    WHERE s.council_id = ${options.councilId}::uuid AND s.decided_by <> ${options.followedDecidedBy}
      AND NOT EXISTS (
        SELECT 1 FROM child_seal_holders h JOIN child_shields hs ON hs.child_id = h.child_id
        WHERE h.user_id = ${options.userId}::uuid AND hs.council_id = ${options.councilId}::uuid)
    ORDER BY s.child_id
    LIMIT ${options.limit}
    ON CONFLICT DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export async function insertSealHolders(db: DbOrTx, rows: readonly { childId: string; userId: string; grantedByUserId: string | null }[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('child_seal_holders')
    .values(rows.map((r) => ({ child_id: r.childId, user_id: r.userId, granted_by_user_id: r.grantedByUserId })))
    .onConflict((oc) => oc.columns(['child_id', 'user_id']).doNothing())
    .execute();
}
