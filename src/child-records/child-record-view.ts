import type { DbOrTx } from '../platform/db/database.js';
import { NotFoundError } from '../platform/http/errors.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { ChildrenService } from '../children/children.service.js';
import type { Child, LinkedIdentifier } from '../children/child-identity.js';
import { retentionFor, type RetentionStatus } from '../children/retention.js';
import type { SignpostService } from '../involvements/signpost.service.js';
import type { Signpost } from '../involvements/signpost.js';
import { findLegalHold, findShield, listIdentifiers, listPeriodEnds } from './child-records.repository.js';

/** Sealed-value columns (the AAD names the column, so a value cannot be moved to another). */
export const SHIELD_REASON_COLUMN = 'shield_reason';
export const IDENTIFIER_COLUMN = 'identifier';

export interface ShieldDetails {
  reason: string;
  decidedBy: string;
  decidedOn: CalendarDate;
  reviewOn: CalendarDate;
  council: string;
}

/** The whole record a practitioner may see with the signpost view. */
export interface ChildRecordView {
  child: Child;
  identifiers: LinkedIdentifier[];
  retention: RetentionStatus;
  shield: ShieldDetails | null;
  signpost: Signpost;
}

/**
 * Reads and opens everything the signpost view shows for a child already opened (by
 * `deps.children`, whose key opens the identifiers and shield reason). It decides
 * nothing and records nothing: callers (ChildRecordsService.lookAt) check access and write the
 * audit entry first, in the same transaction. The benchmark calls it to price that check.
 */
export async function readChildRecordView(
  deps: { children: ChildrenService; signposts: SignpostService; retentionMonths: number },
  db: DbOrTx,
  child: Child,
  today: CalendarDate,
): Promise<ChildRecordView> {
  const [signpost, identifierRows, periodEnds, shieldRow] = await Promise.all([
    deps.signposts.signpostFor(child.id, today, db),
    listIdentifiers(db, child.id),
    listPeriodEnds(db, child.id),
    findShield(db, child.id),
  ]);
  if (!signpost) throw new NotFoundError('No child with this reference');
  const values = deps.children.openValuesOf(child, IDENTIFIER_COLUMN, identifierRows.map((r) => r.value));
  const identifiers = identifierRows.map((r, i) => ({ kind: r.kind, issuer: r.issuer, value: values[i] ?? '', validFrom: r.valid_from, validTo: r.valid_to }));
  let shield: ShieldDetails | null = null;
  if (shieldRow) {
    const [reason] = deps.children.openValuesOf(child, SHIELD_REASON_COLUMN, [shieldRow.reason]);
    // The council that decided the shield (a followed shield may come from another council than the child's area).
    const shieldingCouncil = await deps.signposts.councilContact(shieldRow.council_id, db);
    shield = { reason: reason ?? '', decidedBy: shieldRow.decided_by, decidedOn: shieldRow.decided_on, reviewOn: shieldRow.review_on, council: shieldingCouncil?.name ?? signpost.area.current.name };
  }
  const retention = retentionFor({ triggerDate: child.triggerDate, dateOfBirth: child.identity.dateOfBirth, periodEnds, legalHoldReason: await findLegalHold(db, child.id) }, deps.retentionMonths);
  return { child, identifiers, retention, shield, signpost };
}
