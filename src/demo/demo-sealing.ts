import type { LinkedIdentifier } from '../children/child-identity.js';
import type { ChildSealer, PreparedChild } from '../children/child-sealer.js';
import { normaliseUpn } from '../children/upn.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import type { DemoIdentifierRow, DemoShieldRow } from './demo-records.repository.js';

/**
 * The additional-data column names ChildRecordsService seals identifier values and shield reasons
 * under, so the records the demo writes open exactly like the ones the service writes.
 */
export const IDENTIFIER_COLUMN = 'identifier';
export const SHIELD_REASON_COLUMN = 'shield_reason';

export interface ClearShield {
  councilId: string;
  reason: string;
  decidedBy: string;
  decidedOn: CalendarDate;
  reviewOn: CalendarDate;
}

/**
 * Seals a prepared child's identifiers and shield reason under its own data key (unwrapped from
 * the prepared child, so bulk loads need no database read) and computes each identifier's keyed
 * lookup hash the way ChildRecordsService does. Only sealed values and keyed hashes come out.
 */
export function sealChildRecords(
  sealer: ChildSealer,
  child: PreparedChild,
  identifiers: readonly LinkedIdentifier[],
  shield: ClearShield | null,
  out: { identifiers: DemoIdentifierRow[]; shields: DemoShieldRow[] },
): void {
  if (identifiers.length === 0 && !shield) return;
  const { crypto, indexer } = sealer;
  const childId = child.facts.id;
  const dataKey = crypto.unwrapDataKey(childId, child.keyVersion, child.wrapVersion, child.wrappedKey);
  for (const identifier of identifiers) {
    const normalised = identifier.kind === 'upn' ? normaliseUpn(identifier.value) : identifier.value.trim();
    out.identifiers.push({
      childId,
      kind: identifier.kind,
      issuer: identifier.issuer,
      lookup: indexer.identifierLookup(identifier.kind, identifier.issuer, normalised),
      value: crypto.sealValue(childId, child.keyVersion, dataKey, IDENTIFIER_COLUMN, identifier.value),
      validFrom: identifier.validFrom,
      validTo: identifier.validTo,
    });
  }
  if (shield) {
    out.shields.push({
      childId,
      councilId: shield.councilId,
      reason: crypto.sealValue(childId, child.keyVersion, dataKey, SHIELD_REASON_COLUMN, shield.reason),
      decidedBy: shield.decidedBy,
      decidedOn: shield.decidedOn,
      reviewOn: shield.reviewOn,
    });
  }
}
