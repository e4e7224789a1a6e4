import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { DbOrTx } from '../platform/db/database.js';
import { PREPARED } from '../platform/db/prepared.js';
import { precompiled } from '../platform/db/precompiled.js';
import { visibleInvolvement } from './involvements.repository.js';

/** The reads behind the signpost view: one child's involvements, flags and areas, with contacts. */

/** Visible involvements with their agency and practitioner; sensitive ones only with a basis. */
function visibleInvolvements(db: DbOrTx, childId: string) {
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
    .where(visibleInvolvement);
}

/**
 * Contacts of the councils in whose area the child's visible involvements sit: a council's own
 * involvement, or a school's or GP practice's council. Their numbers are needed when such an
 * involvement is still open somewhere the child no longer lives.
 */
function areaCouncils(db: DbOrTx, childId: string) {
  return db.selectFrom('organisations as council')
    .select(['council.id', 'council.name', 'council.office_hours_phone', 'council.emergency_duty_phone', 'council.email'])
    .where('council.id', 'in', db.selectFrom('involvements')
      .innerJoin('organisations', 'organisations.id', 'involvements.organisation_id')
      .select((eb) => eb.case().when('organisations.kind', '=', 'council').then(eb.ref('organisations.id')).else(eb.ref('organisations.council_id')).end().as('council_id'))
      .where('involvements.child_id', '=', childId)
      .where(visibleInvolvement));
}

function flagsWithCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('child_flags')
    .innerJoin('organisations', 'organisations.id', 'child_flags.responsible_council_id')
    .select([
      'child_flags.id', 'child_flags.kind', 'child_flags.started_on', 'child_flags.ended_on',
      'organisations.id as council_id', 'organisations.name as council_name',
      'organisations.office_hours_phone', 'organisations.emergency_duty_phone', 'organisations.email as council_email',
    ])
    .where('child_flags.child_id', '=', childId);
}

function areasWithCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('area_history')
    .innerJoin('organisations', 'organisations.id', 'area_history.council_id')
    .select([
      'area_history.id', 'area_history.from_date', 'area_history.to_date', 'area_history.reason',
      'organisations.id as council_id', 'organisations.name as council_name',
      'organisations.office_hours_phone', 'organisations.emergency_duty_phone', 'organisations.email as council_email',
    ])
    .where('area_history.child_id', '=', childId);
}

function responsibleCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('children')
    .innerJoin('organisations', 'organisations.id', 'children.responsible_council_id')
    .select([
      'organisations.id as council_id', 'organisations.name as council_name',
      'organisations.office_hours_phone', 'organisations.emergency_duty_phone', 'organisations.email as council_email',
    ])
    .where('children.id', '=', childId);
}

/**
 * Everything the signpost shows of one child, in one round trip (each part a JSON column): the
 * responsible council on the record (null when there is no such child), the visible involvements,
 * flags and areas with their contacts, and the councils whose area those involvements sit in.
 * Dates arrive as the same YYYY-MM-DD strings as from a plain read.
 */
export async function findSignpostFacts(db: DbOrTx, childId: string) {
  const { rows: [row] } = await signpostFacts(db, childId);
  if (!row) throw new Error('a select without FROM returned no row');
  return row;
}

// Five subqueries make this the costliest statement of a look for Kysely to build: built once.
const signpostFacts = precompiled((db: DbOrTx, childId: string) => db.selectNoFrom([
  jsonObjectFrom(responsibleCouncil(db, childId)).as('responsible'),
  jsonArrayFrom(visibleInvolvements(db, childId)).as('involvements'),
  jsonArrayFrom(flagsWithCouncil(db, childId)).as('flags'),
  jsonArrayFrom(areasWithCouncil(db, childId)).as('areas'),
  jsonArrayFrom(areaCouncils(db, childId)).as('councils'),
]).modifyFront(PREPARED));

/** The responsible council on the child record, for a child with no area history yet. */
export function findResponsibleCouncil(db: DbOrTx, childId: string) {
  return responsibleCouncil(db, childId).executeTakeFirst();
}

/** Names and numbers of the given councils, for the "open in another area" signal. */
export function findCouncilContacts(db: DbOrTx, councilIds: readonly string[]) {
  if (councilIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('organisations')
    .select(['id', 'name', 'office_hours_phone', 'emergency_duty_phone', 'email'])
    .where('id', 'in', councilIds)
    .execute();
}
