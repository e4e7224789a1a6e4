import type { DbOrTx } from '../platform/db/database.js';
import { visibleInvolvement } from './involvements.repository.js';

/** The reads behind the signpost view: one child's involvements, flags and areas, with contacts. */

/** Visible involvements with their agency and practitioner; sensitive ones only with a basis. */
export function listVisibleInvolvements(db: DbOrTx, childId: string) {
  return db.selectFrom('involvements')
    .innerJoin('organisations', 'organisations.id', 'involvements.organisation_id')
    .leftJoin('practitioners', 'practitioners.id', 'involvements.practitioner_id')
    .select([
      'involvements.id', 'involvements.role', 'involvements.service', 'involvements.is_lead_professional',
      'involvements.contact_route', 'involvements.started_on', 'involvements.ended_on', 'involvements.end_reason',
      'involvements.holds_early_help_assessment', 'involvements.sensitive_service',
      'organisations.id as organisation_id', 'organisations.name as organisation_name', 'organisations.kind as organisation_kind',
      'organisations.council_id as organisation_council_id', 'organisations.office_hours_phone as organisation_phone',
      'practitioners.name as practitioner_name', 'practitioners.phone as practitioner_phone', 'practitioners.email as practitioner_email',
    ])
    .where('involvements.child_id', '=', childId)
    .where(visibleInvolvement)
    .execute();
}

export function listFlagsWithCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('child_flags')
    .innerJoin('organisations', 'organisations.id', 'child_flags.responsible_council_id')
    .select([
      'child_flags.id', 'child_flags.kind', 'child_flags.started_on', 'child_flags.ended_on',
      'organisations.id as council_id', 'organisations.name as council_name',
      'organisations.office_hours_phone', 'organisations.emergency_duty_phone', 'organisations.email as council_email',
    ])
    .where('child_flags.child_id', '=', childId)
    .execute();
}

export function listAreasWithCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('area_history')
    .innerJoin('organisations', 'organisations.id', 'area_history.council_id')
    .select([
      'area_history.id', 'area_history.from_date', 'area_history.to_date', 'area_history.reason',
      'organisations.id as council_id', 'organisations.name as council_name',
      'organisations.office_hours_phone', 'organisations.emergency_duty_phone', 'organisations.email as council_email',
    ])
    .where('area_history.child_id', '=', childId)
    .execute();
}

/** The responsible council on the child record, for a child with no area history yet. */
export function findResponsibleCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('children')
    .innerJoin('organisations', 'organisations.id', 'children.responsible_council_id')
    .select([
      'organisations.id as council_id', 'organisations.name as council_name',
      'organisations.office_hours_phone', 'organisations.emergency_duty_phone', 'organisations.email as council_email',
    ])
    .where('children.id', '=', childId)
    .executeTakeFirst();
}

/** Names and numbers of the given councils, for the "open in another area" signal. */
export function findCouncilContacts(db: DbOrTx, councilIds: readonly string[]) {
  if (councilIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('organisations')
    .select(['id', 'name', 'office_hours_phone', 'emergency_duty_phone', 'email'])
    .where('id', 'in', councilIds)
    .execute();
}
