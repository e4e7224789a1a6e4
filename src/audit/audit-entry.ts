import { leafHashOf } from './merkle.js';

/** The kinds of event the audit records (SECURITY.md §2); add to the end, never rename. */
export const AUDIT_ACTIONS = [
  'sign_in', 'sign_in_failed', 'sign_out', 'search', 'view', 'create', 'update', 'import', 'export', 'message', 'break_glass',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * One audited event (SECURITY.md §2): who, what, which child, on what basis, why, and the outcome.
 * Written in the same transaction as the access. `reason` is shown to the child's council and in a
 * family's subject access report: a coded reason and short practitioner text, never a name or a
 * date of birth.
 */
export interface AuditEntry {
  occurredAt: Date;
  actorUserId?: string | null;
  actorApiClient?: string | null;
  actorOrganisationId?: string | null;
  actorRole?: string | null;
  action: AuditAction;
  childId?: string | null;
  basis?: string | null;
  reason?: string | null;
  outcome: 'allowed' | 'refused' | 'failed';
  requestId?: string | null;
}

/** An entry ready to write: its time taken and its fresh salt drawn (see AuditService.stamp). */
export interface StampedAuditEntry {
  entry: AuditEntry;
  salt: Buffer;
}

/** A stored entry as the sealer and verifier read it. */
export interface StoredAuditEntry {
  id: number;
  /** As stored, to the microsecond, in UTC: `2026-11-23T10:00:00.000000Z`. */
  occurredAt: string;
  actorUserId: string | null;
  actorApiClient: string | null;
  actorOrganisationId: string | null;
  actorRole: string | null;
  action: string;
  childId: string | null;
  basis: string | null;
  reason: string | null;
  outcome: string;
  requestId: string | null;
  salt: Buffer;
}

/**
 * The bytes a leaf hashes: salt then a fixed-order JSON array of every field, id included so rows
 * cannot be swapped without changing their leaves. Fixed order and a microsecond UTC time (the
 * column's full precision, so no edit can hide below a millisecond) keep it deterministic, and
 * simple enough for an outside auditor to recompute from an export.
 */
export function canonicalEntry(entry: StoredAuditEntry): Buffer {
  return Buffer.concat([entry.salt, Buffer.from(canonicalJson(entry), 'utf8')]);
}

/**
 * leafHash(canonicalEntry(entry)), computed without the intermediate buffers: the reference an
 * outside auditor recomputes from an export. The sealer and the verifier hash the same text as
 * PostgreSQL builds it from the row (canonicalEntriesByIds), held to this by canonical-text.test.ts.
 */
export function entryLeafHash(entry: StoredAuditEntry): Buffer {
  return leafHashOf(entry.salt, canonicalJson(entry));
}

function canonicalJson(entry: StoredAuditEntry): string {
  return JSON.stringify([
    entry.id, entry.occurredAt, entry.actorUserId, entry.actorApiClient, entry.actorOrganisationId,
    entry.actorRole, entry.action, entry.childId, entry.basis, entry.reason, entry.outcome, entry.requestId,
  ]);
}
