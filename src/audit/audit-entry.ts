/** What the audit records (SECURITY.md §2): who, what, which child, on what basis, why, outcome. */
export const AUDIT_ACTIONS = [
  'sign_in', 'sign_in_failed', 'sign_out', 'search', 'view', 'create', 'update', 'import', 'export', 'message', 'break_glass',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

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

/** A stored entry as the sealer and verifier read it. */
export interface StoredAuditEntry {
  id: number;
  occurredAt: Date;
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
 * The bytes a leaf hashes: salt then a fixed-order JSON of every field, id included so rows cannot
 * be swapped without changing their leaves. Fixed order and ISO times keep it deterministic.
 */
export function canonicalEntry(entry: StoredAuditEntry): Buffer {
  const json = JSON.stringify([
    entry.id, entry.occurredAt.toISOString(), entry.actorUserId, entry.actorApiClient, entry.actorOrganisationId,
    entry.actorRole, entry.action, entry.childId, entry.basis, entry.reason, entry.outcome, entry.requestId,
  ]);
  return Buffer.concat([entry.salt, Buffer.from(json, 'utf8')]);
}
