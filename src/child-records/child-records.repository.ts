import { sql, type RawBuilder } from 'kysely';
import { inTransactionWithGenericPlans, type Db, type DbOrTx } from '../platform/db/database.js';
import { PREPARED } from '../platform/db/prepared.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { IdentifierKind } from '../children/child-identity.js';
import type { StampedAuditEntry } from '../audit/audit-entry.js';
import { auditEntriesInsert } from '../audit/audit.repository.js';
import { notificationsInsert, type NewNotification } from '../notifications/notifications.repository.js';

export interface IdentifierRow {
  kind: IdentifierKind;
  issuer: string;
  lookup: Buffer;
  value: Buffer;
  validFrom: CalendarDate | null;
  validTo: CalendarDate | null;
  /** A source-system id's: the digest of the record it brought. */
  recordDigest?: Buffer | null;
  /** A source-system id linked to a child it did not create (see the migration of that name). */
  linked?: boolean;
}

/** Which children already hold any of these identifiers (kind, issuer, keyed hash), with a source id's last record digest and whether it was linked. */
export async function findIdentifierOwners(db: DbOrTx, ids: readonly Pick<IdentifierRow, 'kind' | 'issuer' | 'lookup'>[]): Promise<{ kind: IdentifierKind; issuer: string; lookup: Buffer; childId: string; recordDigest: Buffer | null; linked: boolean }[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ kind: IdentifierKind; issuer: string; lookup: Buffer; child_id: string; record_digest: Buffer | null; linked: boolean }>`
    SELECT i.kind, i.issuer, i.lookup, i.child_id, i.record_digest, i.linked
    FROM child_identifiers i
    JOIN unnest(${ids.map((i) => i.kind)}::text[], ${ids.map((i) => i.issuer)}::text[], ${ids.map((i) => i.lookup)}::bytea[]) AS p(kind, issuer, lookup)
      ON i.kind = p.kind AND i.issuer = p.issuer AND i.lookup = p.lookup`.execute(db);
  return rows.map((r) => ({ kind: r.kind, issuer: r.issuer, lookup: r.lookup, childId: r.child_id, recordDigest: r.record_digest, linked: r.linked }));
}

/** Records the digest of the record a source id has just brought. */
export async function setRecordDigest(db: DbOrTx, source: { issuer: string; lookup: Buffer }, digest: Buffer): Promise<void> {
  await db.updateTable('child_identifiers').set({ record_digest: digest })
    .where('kind', '=', 'source_system').where('issuer', '=', source.issuer).where('lookup', '=', source.lookup).execute();
}

/** Adds identifiers the child does not hold yet; one already held is left as it is. */
export async function insertIdentifiers(db: DbOrTx, childId: string, rows: readonly IdentifierRow[]): Promise<void> {
  await insertIdentifiersOfChildren(db, rows.map((row) => ({ ...row, childId })));
}

/** {@link insertIdentifiers} for several children in one statement (a feed's batch). */
export async function insertIdentifiersOfChildren(db: DbOrTx, rows: readonly (IdentifierRow & { childId: string })[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('child_identifiers')
    .values(rows.map((r) => ({ child_id: r.childId, kind: r.kind, issuer: r.issuer, lookup: r.lookup, value: r.value, valid_from: r.validFrom, valid_to: r.validTo, record_digest: r.recordDigest ?? null, linked: r.linked ?? false })))
    .onConflict((oc) => oc.columns(['kind', 'issuer', 'lookup']).doNothing())
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

/** What the record page shows beside the signpost, read with {@link findRecordDetailsOfLooks}. */
export interface RecordDetailsRow {
  /** Sealed values, ordered by kind then when recorded. */
  identifiers: { kind: IdentifierKind; issuer: string; value: Buffer; validFrom: CalendarDate | null; validTo: CalendarDate | null }[];
  /** End dates of every involvement and flag (null while open), for the retention rule. */
  periodEnds: (CalendarDate | null)[];
  legalHoldReason: string | null;
  /** With the name of the council that decided it (a followed shield may come from another area). */
  shield: { councilId: string; councilName: string | null; reason: Buffer; decidedBy: string; decidedOn: CalendarDate; reviewOn: CalendarDate } | null;
}

interface RecordDetailsSql {
  identifiers: { kind: IdentifierKind; issuer: string; value: string; valid_from: CalendarDate | null; valid_to: CalendarDate | null }[];
  period_ends: (CalendarDate | null)[];
  legal_hold_reason: string | null;
  shield: { council_id: string; council_name: string | null; reason: string; decided_by: string; decided_on: CalendarDate; review_on: CalendarDate } | null;
}

/** What a signpost look writes: its audit entry, and the CP-IS notices it calls for (often none). */
export interface LookWrites {
  audit: StampedAuditEntry;
  notices: readonly NewNotification[];
}

/** One look's part of a read of several: the child, and what the look writes (a read that records nothing, as the benchmark's baseline, writes nothing). */
export interface LookRead {
  childId: string;
  writes?: LookWrites;
}

/**
 * Several looks' record details — each child's identifiers, retention facts (period ends, legal
 * hold) and shield — in one round trip, with every look's writes; for each look, undefined when
 * there is no such child. The writes are data-modifying CTEs, run whatever the read finds: one
 * statement, so the looks' entries and notices and the reads they record commit together, or
 * nothing does. Sealed values come through JSON as base64 and dates as text, so they arrive as
 * from a plain read. Looks at one child are one statement and no transaction; looks at several
 * run in a transaction of their own, for the generic plan of a statement over an array of ids
 * (see inTransactionWithGenericPlans). Either text is the same for any number of looks.
 */
export async function findRecordDetailsOfLooks(db: Db, looks: readonly LookRead[]): Promise<(RecordDetailsRow | undefined)[]> {
  const ids = [...new Set(looks.map((look) => look.childId))];
  const rows = ids.length === 1 ? await recordDetailsRows(db, looks, sql`c.id = ${ids[0]}::uuid`) : await inTransactionWithGenericPlans(db, (tx) => recordDetailsRows(tx, looks, sql`c.id = ANY(${ids}::uuid[])`));
  const found = new Map(rows.map((row) => [row.id, recordDetails(row)]));
  return looks.map((look) => found.get(look.childId));
}

async function recordDetailsRows(db: DbOrTx, looks: readonly LookRead[], children: RawBuilder<unknown>): Promise<(RecordDetailsSql & { id: string })[]> {
  const entries = looks.flatMap((look) => (look.writes ? [look.writes.audit] : []));
  const notices = looks.flatMap((look) => look.writes?.notices ?? []);
  const { rows } = await sql<RecordDetailsSql & { id: string }>`
    ${PREPARED} WITH recorded AS (${auditEntriesInsert(entries)}), noticed AS (${notificationsInsert(notices)})
    SELECT c.id, c.legal_hold_reason,
      ARRAY(SELECT ended_on::text FROM involvements WHERE child_id = c.id
            UNION ALL SELECT ended_on::text FROM child_flags WHERE child_id = c.id) AS period_ends,
      COALESCE((SELECT json_agg(json_build_object('kind', i.kind, 'issuer', i.issuer, 'value', encode(i.value, 'base64'), 'valid_from', i.valid_from, 'valid_to', i.valid_to)
                         ORDER BY i.kind, i.created_at)
                FROM child_identifiers i WHERE i.child_id = c.id), '[]'::json) AS identifiers,
      (SELECT json_build_object('council_id', s.council_id, 'council_name', o.name, 'reason', encode(s.reason, 'base64'),
                                'decided_by', s.decided_by, 'decided_on', s.decided_on, 'review_on', s.review_on)
       FROM child_shields s LEFT JOIN organisations o ON o.id = s.council_id WHERE s.child_id = c.id) AS shield
    FROM children c
    WHERE ${children}`.execute(db);
  return rows;
}

function recordDetails(row: RecordDetailsSql): RecordDetailsRow {
  const { shield } = row;
  return {
    identifiers: row.identifiers.map((i) => ({ kind: i.kind, issuer: i.issuer, value: Buffer.from(i.value, 'base64'), validFrom: i.valid_from, validTo: i.valid_to })),
    periodEnds: row.period_ends,
    legalHoldReason: row.legal_hold_reason,
    shield: shield && { councilId: shield.council_id, councilName: shield.council_name, reason: Buffer.from(shield.reason, 'base64'), decidedBy: shield.decided_by, decidedOn: shield.decided_on, reviewOn: shield.review_on },
  };
}

export async function setLegalHold(db: DbOrTx, childId: string, reason: string | null): Promise<void> {
  await db.updateTable('children').set({ legal_hold_reason: reason, updated_at: sql<Date>`now()` }).where('id', '=', childId).execute();
}
