import { inTransaction, type Db } from '../platform/db/database.js';
import { NotFoundError } from '../platform/http/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { mayReadAccessLog } from '../access/child-access.js';
import { isUuid } from '../involvements/field-errors.js';
import { findChildCouncil, listAccessToChild } from './who-looked.repository.js';
import { resolveSurvivor, withMergedIds } from '../match-review/match-review.repository.js';
import { findLeadProfessionalUsers } from '../notifications/notifications.repository.js';
import { describeReason } from '../search/search-reasons.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate } from '../platform/time/calendar-date.js';

export interface AccessLogEntry {
  at: Date;
  action: string;
  /** The person's name, or the agency system's client id. */
  who: string;
  organisation: string | null;
  role: string | null;
  reason: string | null;
  basis: string | null;
  outcome: string;
}

/** How many entries one page shows: enough for any child's history of looks in practice. */
const MAX_ENTRIES = 500;

/**
 * "Who looked at this child and why" (SECURITY §2): the lead professional and the responsible
 * council see every view, creation and change of the record with the reason given. Reading the
 * list is itself recorded, so nobody can watch the watchers unseen.
 */
export class WhoLookedService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService }) {}

  async forChild(viewer: Viewer, childId: string, requestId: string | null): Promise<AccessLogEntry[]> {
    if (!isUuid(childId)) throw new NotFoundError('No child with this reference');
    // A refusal is recorded and committed before the error goes out: watching for refused looks
    // is how misuse is caught, so it must not roll back with the request.
    // A record merged into another answers as the surviving record, whose history includes it.
    const id = await resolveSurvivor(this.deps.db, childId.toLowerCase());
    const entries = await inTransaction(this.deps.db, async (tx) => {
      const child = await findChildCouncil(tx, id);
      if (!child) return null;
      // The same lead-professional rule as notifications: an open involvement as of today.
      const isLead = viewer.kind === 'user' && (await findLeadProfessionalUsers(tx, id, ukDate(this.deps.clock.now()))).includes(viewer.userId);
      const decision = mayReadAccessLog(viewer, { responsibleCouncilId: child.responsible_council_id, viewerIsLeadProfessional: isLead });
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'view', childId: id, basis: decision.basis, reason: 'who looked at this record', outcome: decision.allow ? 'allowed' : 'refused', requestId });
      if (!decision.allow) return null;
      return listAccessToChild(tx, await withMergedIds(tx, id), MAX_ENTRIES);
    });
    // Same answer as a missing child: the list's existence says nothing to someone not entitled to it.
    if (!entries) throw new NotFoundError('No child with this reference');
    return entries.map((r) => ({
      at: r.occurred_at,
      action: r.action,
      who: r.actor_name ?? (r.actor_api_client ? `Agency system ${r.actor_api_client}` : 'Signpost'),
      organisation: r.organisation_name,
      role: r.actor_role,
      reason: describeReason(r.reason),
      basis: r.basis,
      outcome: r.outcome,
    }));
  }
}
