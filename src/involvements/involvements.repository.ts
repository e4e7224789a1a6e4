import type { ExpressionBuilder } from 'kysely';
import type { Database, DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';

/**
 * The one rule for sensitive services (DOMAIN §4): such an involvement is visible only once consent
 * or a significant-harm basis is recorded. Every list and per-record read of involvements goes
 * through it, so a list never shows what a per-record read would refuse, or the reverse.
 */
export function visibleInvolvement(eb: ExpressionBuilder<Database, 'involvements'>) {
  return eb.or([eb('involvements.sensitive_service', 'is', null), eb('involvements.sensitive_basis', 'is not', null)]);
}

// ---- look-ups used to validate writes ----

export function findChildForInvolvements(db: DbOrTx, childId: string) {
  return db.selectFrom('children').select(['id', 'responsible_council_id', 'trigger_date']).where('id', '=', childId).executeTakeFirst();
}

export function findOrganisationSummary(db: DbOrTx, organisationId: string) {
  return db.selectFrom('organisations').select(['id', 'kind', 'council_id']).where('id', '=', organisationId).executeTakeFirst();
}

export function findPractitionerSummary(db: DbOrTx, practitionerId: string) {
  return db.selectFrom('practitioners').select(['id', 'organisation_id']).where('id', '=', practitionerId).executeTakeFirst();
}

// ---- involvements ----

export interface InvolvementRow {
  childId: string;
  organisationId: string;
  practitionerId: string | null;
  service: string;
  role: string;
  isLeadProfessional: boolean;
  contactRoute: string | null;
  startedOn: CalendarDate;
  holdsEarlyHelpAssessment: boolean;
  sensitiveService: string | null;
  sensitiveBasis: string | null;
  source: { system: string; id: string } | null;
}

/** A unique index refused a row that a concurrent writer got in first. */
function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === constraint;
}

/**
 * Inserts an involvement, or does nothing when one with the same source key exists. Returns the
 * new id, or what was already taken: the source key (the caller then looks it up), or the child's
 * one open lead professional (a concurrent write got there first).
 */
export async function insertInvolvement(db: DbOrTx, row: InvolvementRow): Promise<{ id: string } | { taken: 'source' | 'lead' }> {
  const insert = db.insertInto('involvements').values({
    child_id: row.childId,
    organisation_id: row.organisationId,
    practitioner_id: row.practitionerId,
    service: row.service,
    role: row.role,
    is_lead_professional: row.isLeadProfessional,
    contact_route: row.contactRoute,
    started_on: row.startedOn,
    holds_early_help_assessment: row.holdsEarlyHelpAssessment,
    sensitive_service: row.sensitiveService,
    sensitive_basis: row.sensitiveBasis,
    source_system: row.source?.system ?? null,
    source_id: row.source?.id ?? null,
  })
    .onConflict((oc) => oc.constraint('involvements_source_key').doNothing())
    .returning('id');
  try {
    const row = await insert.executeTakeFirst();
    return row ? { id: row.id } : { taken: 'source' };
  } catch (error) {
    if (isUniqueViolation(error, 'involvements_one_lead_idx')) return { taken: 'lead' };
    throw error;
  }
}

/** The involvement a feed already sent, hidden or not: idempotency must see every row. */
export function findInvolvementBySource(db: DbOrTx, system: string, sourceId: string) {
  return db.selectFrom('involvements').select(['id', 'child_id'])
    .where('source_system', '=', system).where('source_id', '=', sourceId).executeTakeFirst();
}

export function findOpenLeadProfessional(db: DbOrTx, childId: string) {
  return db.selectFrom('involvements').select(['id'])
    .where('child_id', '=', childId).where('is_lead_professional', '=', true).where('ended_on', 'is', null)
    .executeTakeFirst();
}

/** One visible involvement, locked for update when read inside a transaction that will change it. */
export function findVisibleInvolvementForUpdate(db: DbOrTx, involvementId: string) {
  return db.selectFrom('involvements')
    .select(['id', 'child_id', 'started_on', 'ended_on'])
    .where('id', '=', involvementId)
    .where(visibleInvolvement)
    .forUpdate()
    .executeTakeFirst();
}

export async function endInvolvementRow(db: DbOrTx, involvementId: string, endedOn: CalendarDate, endReason: string): Promise<void> {
  await db.updateTable('involvements').set({ ended_on: endedOn, end_reason: endReason })
    .where('id', '=', involvementId).where('ended_on', 'is', null).execute();
}

// ---- flags ----

export interface FlagRow {
  childId: string;
  kind: string;
  responsibleCouncilId: string;
  startedOn: CalendarDate;
  source: { system: string; id: string } | null;
}

/** The new flag's id, or what was taken: the source key (a repeated feed message) or the one open flag of this kind. */
export async function insertFlag(db: DbOrTx, row: FlagRow): Promise<{ id: string } | { taken: 'source' | 'open' }> {
  const insert = db.insertInto('child_flags').values({
    child_id: row.childId,
    kind: row.kind,
    responsible_council_id: row.responsibleCouncilId,
    started_on: row.startedOn,
    source_system: row.source?.system ?? null,
    source_id: row.source?.id ?? null,
  })
    .onConflict((oc) => oc.constraint('child_flags_source_key').doNothing())
    .returning('id');
  try {
    const row = await insert.executeTakeFirst();
    return row ? { id: row.id } : { taken: 'source' };
  } catch (error) {
    if (isUniqueViolation(error, 'child_flags_one_open_idx')) return { taken: 'open' };
    throw error;
  }
}

export function findFlagBySource(db: DbOrTx, system: string, sourceId: string) {
  return db.selectFrom('child_flags').select(['id', 'child_id'])
    .where('source_system', '=', system).where('source_id', '=', sourceId).executeTakeFirst();
}

export function findOpenFlag(db: DbOrTx, childId: string, kind: string) {
  return db.selectFrom('child_flags').select(['id', 'responsible_council_id'])
    .where('child_id', '=', childId).where('kind', '=', kind).where('ended_on', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export function findFlagForUpdate(db: DbOrTx, flagId: string) {
  return db.selectFrom('child_flags').select(['id', 'child_id', 'started_on', 'ended_on'])
    .where('id', '=', flagId).forUpdate().executeTakeFirst();
}

export async function endFlagRow(db: DbOrTx, flagId: string, endedOn: CalendarDate): Promise<void> {
  await db.updateTable('child_flags').set({ ended_on: endedOn }).where('id', '=', flagId).where('ended_on', 'is', null).execute();
}

// ---- area history ----

/** The child's current (open) area, locked so two moves recorded at once cannot both close it. */
export function findCurrentAreaForUpdate(db: DbOrTx, childId: string) {
  return db.selectFrom('area_history').select(['id', 'council_id', 'from_date'])
    .where('child_id', '=', childId).where('to_date', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export async function closeArea(db: DbOrTx, areaId: string, toDate: CalendarDate): Promise<void> {
  await db.updateTable('area_history').set({ to_date: toDate }).where('id', '=', areaId).execute();
}

/** The new area's id, or `taken` when a concurrent write opened the child's current area first. */
export async function insertArea(db: DbOrTx, row: { childId: string; councilId: string; fromDate: CalendarDate; reason: string | null }): Promise<{ id: string } | { taken: 'current' }> {
  const insert = db.insertInto('area_history')
    .values({ child_id: row.childId, council_id: row.councilId, from_date: row.fromDate, reason: row.reason })
    .returning('id');
  try {
    return { id: (await insert.executeTakeFirstOrThrow()).id };
  } catch (error) {
    if (isUniqueViolation(error, 'area_history_one_current_idx')) return { taken: 'current' };
    throw error;
  }
}
