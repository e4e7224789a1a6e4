import type { Child, LinkedIdentifier } from '../children/child-identity.js';
import { ChildCrypto } from '../children/child-crypto.js';
import { ChildSealer, type PreparedChild } from '../children/child-sealer.js';
import type { Keyring } from '../platform/crypto/keyring.js';
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

/** ChildCrypto that keeps the data keys it last handed out. */
class KeyKeepingCrypto extends ChildCrypto {
  lastDataKeys: Buffer[] = [];

  override newDataKeys(count: number): Buffer[] {
    this.lastDataKeys = super.newDataKeys(count);
    return this.lastDataKeys;
  }
}

/**
 * A ChildSealer for bulk loads that also hands back the data key each child was sealed under, so
 * its identifiers and shield reason can be sealed without unwrapping the key again (a cipher
 * operation per child saved). The first key of every call is checked against its wrapped copy;
 * should they ever disagree, every key is unwrapped instead.
 */
export class DemoSealer extends ChildSealer {
  override readonly crypto: KeyKeepingCrypto;

  constructor(keys: Keyring) {
    super(keys);
    this.crypto = new KeyKeepingCrypto(keys);
  }

  prepareWithKeys(children: readonly Child[]): { prepared: PreparedChild[]; dataKeys: Buffer[] } {
    const prepared = this.prepare(children);
    const kept = this.crypto.lastDataKeys;
    const unwrap = (p: PreparedChild) => this.crypto.unwrapDataKey(p.facts.id, p.keyVersion, p.wrapVersion, p.wrappedKey);
    const first = prepared[0];
    const trusted = kept.length === prepared.length && (!first || unwrap(first).equals(kept[0]!));
    return { prepared, dataKeys: trusted ? kept : prepared.map(unwrap) };
  }
}

/**
 * Seals a prepared child's identifiers and shield reason under its own data key (as
 * {@link DemoSealer.prepareWithKeys} returns it, or else unwrapped from the prepared child, so
 * bulk loads need no database read) and computes each identifier's keyed lookup hash the way
 * ChildRecordsService does. Only sealed values and keyed hashes come out.
 */
export function sealChildRecords(
  sealer: ChildSealer,
  child: PreparedChild,
  identifiers: readonly LinkedIdentifier[],
  shield: ClearShield | null,
  out: { identifiers: DemoIdentifierRow[]; shields: DemoShieldRow[] },
  knownDataKey?: Buffer,
): void {
  if (identifiers.length === 0 && !shield) return;
  const { crypto, indexer } = sealer;
  const childId = child.facts.id;
  const dataKey = knownDataKey ?? crypto.unwrapDataKey(childId, child.keyVersion, child.wrapVersion, child.wrappedKey);
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
