import { Batcher } from '../platform/async/batcher.js';
import { refusedForItsValues, type Db, type DbOrTx } from '../platform/db/database.js';
import { NotFoundError } from '../platform/http/errors.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { ChildrenService } from '../children/children.service.js';
import type { Child, LinkedIdentifier } from '../children/child-identity.js';
import { retentionFor, type RetentionStatus } from '../children/retention.js';
import type { SignpostService } from '../involvements/signpost.service.js';
import type { Signpost } from '../involvements/signpost.js';
import { findRecordDetailsOfLooks, type LookRead, type LookWrites, type RecordDetailsRow } from './child-records.repository.js';

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

/** Reads a look's record details (and makes its writes): see {@link lookReads}. */
export type LookReads = (look: LookRead) => Promise<RecordDetailsRow | undefined>;

/**
 * The looks' reads of record details, batched: looks arriving while others are being read go
 * together in the next statement (at most 64, two statements at once), so under load one
 * statement and one commit serve many looks' reads and audit entries, each entry still written by
 * the statement that reads what it records. At 100k children, in-process at 32 callers, audited
 * looks went from 716–923 to 1,043–1,361 a second (docs/BENCHMARKS.md).
 */
export function lookReads(db: Db): LookReads {
  const batcher = new Batcher<LookRead, RecordDetailsRow | undefined>({
    run: (looks) => findRecordDetailsOfLooks(db, looks),
    maxBatch: 64,
    maxInFlight: 2,
    mayRunAlone: refusedForItsValues,
  });
  return (look) => batcher.run(look);
}

/**
 * Reads and opens everything the signpost view shows for a child already opened (by
 * `deps.children`, whose key opens the identifiers and shield reason). It decides nothing:
 * callers (ChildRecordsService.lookAt) check access first, and pass `writesFor`, the look's writes
 * given the signpost just read (its audit entry, and the notices its flags call for), which the
 * statement reading the record's details makes too. The benchmark calls it without, to price the
 * check and the writes.
 */
export async function readChildRecordView(
  deps: { children: ChildrenService; signposts: SignpostService; retentionMonths: number; lookReads: LookReads },
  db: DbOrTx,
  child: Child,
  today: CalendarDate,
  writesFor?: (signpost: Signpost) => Promise<LookWrites>,
): Promise<ChildRecordView> {
  const signpost = await deps.signposts.signpostFor(child.id, today, db);
  if (!signpost) throw new NotFoundError('No child with this reference');
  const details = await deps.lookReads({ childId: child.id, writes: await writesFor?.(signpost) });
  if (!details) throw new NotFoundError('No child with this reference');
  const values = deps.children.openValuesOf(child, IDENTIFIER_COLUMN, details.identifiers.map((r) => r.value));
  const identifiers = details.identifiers.map((r, i) => ({ kind: r.kind, issuer: r.issuer, value: values[i] ?? '', validFrom: r.validFrom, validTo: r.validTo }));
  let shield: ShieldDetails | null = null;
  if (details.shield) {
    const [reason] = deps.children.openValuesOf(child, SHIELD_REASON_COLUMN, [details.shield.reason]);
    // The council that decided the shield (a followed shield may come from another council than the child's area).
    const { decidedBy, decidedOn, reviewOn, councilName } = details.shield;
    shield = { reason: reason ?? '', decidedBy, decidedOn, reviewOn, council: councilName ?? signpost.area.current.name };
  }
  const retention = retentionFor({ triggerDate: child.triggerDate, dateOfBirth: child.identity.dateOfBirth, periodEnds: details.periodEnds, legalHoldReason: details.legalHoldReason }, deps.retentionMonths);
  return { child, identifiers, retention, shield, signpost };
}
