import type { DbOrTx } from '../platform/db/database.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import { visibleInvolvement } from '../involvements/involvements.repository.js';

/** Every visible involvement of a child (sensitive services only with a recorded basis), newest first. */
export function listVisibleInvolvements(db: DbOrTx, childId: string) {
  return db.selectFrom('involvements')
    .innerJoin('organisations as o', 'o.id', 'involvements.organisation_id')
    .leftJoin('practitioners as p', 'p.id', 'involvements.practitioner_id')
    .select([
      'involvements.id', 'involvements.service', 'involvements.role', 'involvements.is_lead_professional', 'involvements.contact_route',
      'involvements.started_on', 'involvements.ended_on', 'involvements.end_reason', 'o.name as organisation_name', 'p.name as practitioner_name', 'p.team',
    ])
    .where('involvements.child_id', '=', childId)
    .where(visibleInvolvement)
    .orderBy('involvements.started_on', 'desc').orderBy('involvements.created_at', 'desc')
    .execute();
}

export function listFlags(db: DbOrTx, childId: string) {
  return db.selectFrom('child_flags')
    .innerJoin('organisations as o', 'o.id', 'child_flags.responsible_council_id')
    .select(['child_flags.kind', 'child_flags.started_on', 'child_flags.ended_on', 'o.name as council_name'])
    .where('child_flags.child_id', '=', childId)
    .execute();
}

export function listAreas(db: DbOrTx, childId: string) {
  return db.selectFrom('area_history')
    .innerJoin('organisations as o', 'o.id', 'area_history.council_id')
    .select(['area_history.from_date', 'area_history.to_date', 'area_history.reason', 'o.name as council_name'])
    .where('area_history.child_id', '=', childId)
    .execute();
}

export function findCouncilName(db: DbOrTx, organisationId: string) {
  return db.selectFrom('organisations').select(['name', 'office_hours_phone', 'emergency_duty_phone']).where('id', '=', organisationId).executeTakeFirst();
}

export type CaseDate = CalendarDate;
