import type { DbOrTx } from '../platform/db/database.js';

/**
 * Actions that touch one child's record, newest first (searches name no child and are not here).
 * `childIds` is the child and the records merged into it.
 */
export function listAccessToChild(db: DbOrTx, childIds: readonly string[], limit: number) {
  return db.selectFrom('audit_entries as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .leftJoin('organisations as o', 'o.id', 'a.actor_organisation_id')
    .select([
      'a.id', 'a.occurred_at', 'a.action', 'a.basis', 'a.reason', 'a.outcome', 'a.actor_role', 'a.actor_api_client',
      'u.display_name as actor_name', 'o.name as organisation_name',
    ])
    .where('a.child_id', 'in', childIds)
    .orderBy('a.occurred_at', 'desc').orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
}

export function findChildCouncil(db: DbOrTx, childId: string) {
  return db.selectFrom('children').select(['id', 'responsible_council_id']).where('id', '=', childId).executeTakeFirst();
}
