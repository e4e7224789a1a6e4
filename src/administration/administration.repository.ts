import { sql } from 'kysely';
import type { DbOrTx } from '../platform/db/database.js';

/**
 * The administration pages' reads. Every list is filtered in SQL by the same rule as
 * `mayAdminister`: the administrator's own organisation, and the organisations whose council is it
 * (only when it is a council).
 */
export function administeredOrganisations(db: DbOrTx, administratorOrganisationId: string) {
  return db.selectFrom('organisations as o')
    .innerJoin('organisations as mine', (join) => join.on('mine.id', '=', administratorOrganisationId))
    .select(['o.id', 'o.name', 'o.kind', 'o.council_id'])
    .where((eb) => eb.or([
      eb('o.id', '=', administratorOrganisationId),
      eb.and([eb('mine.kind', '=', 'council'), eb('o.council_id', '=', administratorOrganisationId)]),
    ]))
    .orderBy(sql`o.id <> ${administratorOrganisationId}`).orderBy('o.name').execute();
}

export function findOrganisationForAdministration(db: DbOrTx, id: string) {
  return db.selectFrom('organisations').select(['id', 'name', 'kind', 'council_id']).where('id', '=', id).executeTakeFirst();
}

const accountColumns = [
  'users.id', 'users.email', 'users.display_name', 'users.role', 'users.organisation_id', 'users.practitioner_id',
  'users.totp_enrolled_at', 'users.dbs_checked_on', 'users.training_completed_on', 'users.agreement_signed_on',
  'users.locked_until', 'users.disabled_at', 'users.last_signed_in_at', 'users.reinstated_at', 'users.created_at',
  'organisations.name as organisation_name', 'organisations.council_id as organisation_council_id',
] as const;

export type AdministeredAccountRow = Awaited<ReturnType<typeof findAccountForAdministration>> & object;

export function findAccountForAdministration(db: DbOrTx, userId: string) {
  return db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(accountColumns).where('users.id', '=', userId).executeTakeFirst();
}

/** Accounts in the organisations given (already limited to those the administrator administers). */
export function listAccountsOfOrganisations(db: DbOrTx, organisationIds: readonly string[]) {
  if (organisationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('users').innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(accountColumns)
    .where('users.organisation_id', 'in', organisationIds)
    .orderBy('organisations.name').orderBy('users.display_name').orderBy('users.email').execute();
}

/** Open involvements of these practitioners on `today` (half-open periods), newest first. */
export function openInvolvementsOfPractitioners(db: DbOrTx, practitionerIds: readonly string[], today: string) {
  if (practitionerIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('involvements')
    .select(['practitioner_id', 'child_id', 'role', 'started_on'])
    .where('practitioner_id', 'in', practitionerIds)
    .where('started_on', '<=', today)
    .where((eb) => eb.or([eb('ended_on', 'is', null), eb('ended_on', '>', today)]))
    .orderBy('started_on', 'desc').execute();
}

/** The shielded children these accounts are named seal-holders of. */
export function sealHolderGrantsOf(db: DbOrTx, userIds: readonly string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('child_seal_holders').select(['user_id', 'child_id', 'created_at'])
    .where('user_id', 'in', userIds).orderBy('created_at', 'desc').execute();
}

export async function insertAccessReview(db: DbOrTx, review: { userId: string; reviewedBy: string; outcome: 'access_still_needed' | 'access_removed'; reviewedAt: Date }): Promise<void> {
  await db.insertInto('access_reviews').values({
    user_id: review.userId, reviewed_by: review.reviewedBy, outcome: review.outcome, reviewed_at: review.reviewedAt,
  }).execute();
}

/** The latest review of each account, with the reviewer's name. */
export function latestReviewsOf(db: DbOrTx, userIds: readonly string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('access_reviews').innerJoin('users as reviewer', 'reviewer.id', 'access_reviews.reviewed_by')
    .distinctOn('access_reviews.user_id')
    .select(['access_reviews.user_id', 'access_reviews.outcome', 'access_reviews.reviewed_at', 'reviewer.display_name as reviewer_name'])
    .where('access_reviews.user_id', 'in', userIds)
    .orderBy('access_reviews.user_id').orderBy('access_reviews.reviewed_at', 'desc').execute();
}
