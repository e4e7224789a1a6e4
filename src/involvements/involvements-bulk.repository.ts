import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { InvolvementRow } from './involvements.repository.js';

/**
 * Bulk reads and writes for loading involvements, flags and area history in volume (the demo
 * seed; later, an initial load from a council's case system). Rows arrive already checked.
 */

/** A child as the loader needs it: the facts kept in the clear, never the sealed identity. */
export function listChildrenWithoutAreaHistory(db: DbOrTx, afterId: string | null, limit: number) {
  let query = db.selectFrom('children')
    .select(['id', 'responsible_council_id', 'record_trigger', 'trigger_date', 'unborn'])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('area_history').select('area_history.id').whereRef('area_history.child_id', '=', 'children.id'))));
  if (afterId !== null) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).execute();
}

export async function countChildrenWithoutAreaHistory(db: DbOrTx): Promise<number> {
  const row = await db.selectFrom('children')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('area_history').select('area_history.id').whereRef('area_history.child_id', '=', 'children.id'))))
    .executeTakeFirstOrThrow();
  return row.n;
}

/** The whole directory, in a stable order so a seeded choice picks the same one every run. */
export function listDirectoryOrganisations(db: DbOrTx) {
  return db.selectFrom('organisations')
    .select(['id', 'code', 'kind', 'name', 'council_id', 'office_hours_phone', 'email'])
    .orderBy('code').execute();
}

export function listDirectoryPractitioners(db: DbOrTx) {
  return db.selectFrom('practitioners')
    .innerJoin('organisations', 'organisations.id', 'practitioners.organisation_id')
    .select(['practitioners.id', 'practitioners.organisation_id', 'practitioners.name', 'practitioners.role', 'practitioners.team',
      'practitioners.phone', 'practitioners.email'])
    .orderBy('organisations.code').orderBy('practitioners.name').orderBy('practitioners.email').orderBy('practitioners.id')
    .execute();
}

/** A seeded involvement: a new involvement with its id and, for past ones, how it ended. Seeds carry no feed key. */
export interface BulkInvolvement extends Omit<InvolvementRow, 'source'> {
  id: string;
  endedOn: CalendarDate | null;
  endReason: string | null;
}

export interface BulkFlag {
  id: string;
  childId: string;
  kind: string;
  responsibleCouncilId: string;
  startedOn: CalendarDate;
  endedOn: CalendarDate | null;
}

export interface BulkArea {
  id: string;
  childId: string;
  councilId: string;
  fromDate: CalendarDate;
  toDate: CalendarDate | null;
  reason: string | null;
}

/**
 * Writes a batch of involvements, flags and areas in ONE statement (`INSERT … SELECT FROM
 * unnest(arrays)` joined by data-modifying CTEs): one round trip and one plan per batch, and
 * atomic, so an interrupted load leaves whole children or none.
 */
export async function insertBulk(db: DbOrTx, rows: { involvements: readonly BulkInvolvement[]; flags: readonly BulkFlag[]; areas: readonly BulkArea[] }): Promise<void> {
  const { involvements: i, flags: f, areas: a } = rows;
  if (i.length + f.length + a.length === 0) return;
  await sql`
    WITH new_involvements AS (
      INSERT INTO involvements (id, child_id, organisation_id, practitioner_id, service, role, is_lead_professional, contact_route,
                                started_on, ended_on, end_reason, holds_early_help_assessment, sensitive_service, sensitive_basis)
      SELECT * FROM unnest(
        ${i.map((r) => r.id)}::uuid[], ${i.map((r) => r.childId)}::uuid[], ${i.map((r) => r.organisationId)}::uuid[],
        ${i.map((r) => r.practitionerId)}::uuid[], ${i.map((r) => r.service)}::text[], ${i.map((r) => r.role)}::text[],
        ${i.map((r) => r.isLeadProfessional)}::boolean[], ${i.map((r) => r.contactRoute)}::text[],
        ${i.map((r) => r.startedOn)}::date[], ${i.map((r) => r.endedOn)}::date[], ${i.map((r) => r.endReason)}::text[],
        ${i.map((r) => r.holdsEarlyHelpAssessment)}::boolean[], ${i.map((r) => r.sensitiveService)}::text[],
        ${i.map((r) => r.sensitiveBasis)}::text[])
    ), new_flags AS (
      INSERT INTO child_flags (id, child_id, kind, responsible_council_id, started_on, ended_on)
      SELECT * FROM unnest(
        ${f.map((r) => r.id)}::uuid[], ${f.map((r) => r.childId)}::uuid[], ${f.map((r) => r.kind)}::text[],
        ${f.map((r) => r.responsibleCouncilId)}::uuid[], ${f.map((r) => r.startedOn)}::date[], ${f.map((r) => r.endedOn)}::date[])
    )
    INSERT INTO area_history (id, child_id, council_id, from_date, to_date, reason)
    SELECT * FROM unnest(
      ${a.map((r) => r.id)}::uuid[], ${a.map((r) => r.childId)}::uuid[], ${a.map((r) => r.councilId)}::uuid[],
      ${a.map((r) => r.fromDate)}::date[], ${a.map((r) => r.toDate)}::date[], ${a.map((r) => r.reason)}::text[])`.execute(db);
}
