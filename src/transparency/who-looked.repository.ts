import type { DbOrTx } from '../platform/db/database.js';

/** Actions that touch one child's record, newest first (searches name no child and are not here). */
export function listAccessToChild(db: DbOrTx, childId: string, limit: number) {
  return db.selectFrom('audit_entries as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .leftJoin('organisations as o', 'o.id', 'a.actor_organisation_id')
    .select([
      'a.id', 'a.occurred_at', 'a.action', 'a.basis', 'a.reason', 'a.outcome', 'a.actor_role', 'a.actor_api_client',
      'u.display_name as actor_name', 'o.name as organisation_name',
    ])
    .where('a.child_id', '=', childId)
    .orderBy('a.occurred_at', 'desc').orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
}

/** True when the user is the practitioner behind the child's open lead-professional involvement. */
export async function isLeadProfessionalFor(db: DbOrTx, childId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('involvements as i')
    .innerJoin('users as u', 'u.practitioner_id', 'i.practitioner_id')
    .select('i.id')
    .where('i.child_id', '=', childId)
    .where('u.id', '=', userId)
    .where('i.is_lead_professional', '=', true)
    .where('i.ended_on', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export function findChildCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('children').select(['id', 'responsible_council_id']).where('id', '=', childId).executeTakeFirst();
}
