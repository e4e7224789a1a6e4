import { inTransaction, type Db } from '../platform/db/database.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { formatDate, formatDateTime, ukDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { mayPrepareSubjectAccess } from '../access/child-access.js';
import type { ChildrenService } from '../children/children.service.js';
import { isUuid } from '../involvements/field-errors.js';
import { findChildCouncil, listAccessToChild } from './who-looked.repository.js';
import { resolveSurvivor, withMergedIds } from '../match-review/match-review.repository.js';
import { describeReason } from '../search/search-reasons.js';

export interface SubjectAccessEntry {
  id: number;
  at: Date;
  action: string;
  organisation: string;
  role: string | null;
  reason: string | null;
  outcome: string;
}

const ACTION_WORDS: Record<string, string> = {
  view: 'Looked at the record', create: 'Created the record', update: 'Changed the record', export: 'Produced a report or export',
  message: 'Sent a message about the child', break_glass: 'Used emergency access',
};
const MAX_ENTRIES = 5000;

/**
 * A family's subject access request answered with a who-looked-and-why report (SECURITY §2, the
 * Estonian data-tracker idea). The information-governance officer may withhold entries whose
 * disclosure could cause serious harm (DPA 2018 Sch 3); which entries, and why, goes into the
 * tamper-evident audit with the report itself. People are named by organisation and role, not by
 * name: practitioners are third parties in the family's request.
 */
export class SubjectAccessService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; children: ChildrenService }) {}

  /** Every entry about the child, for the officer to review before producing the report. */
  async entries(viewer: Viewer, childId: string, requestId: string | null): Promise<SubjectAccessEntry[]> {
    const rows = await this.#authorised(viewer, childId, requestId, 'subject access review');
    return rows.map((r) => ({ id: r.id, at: r.occurred_at, action: r.action, organisation: r.organisation_name ?? 'Signpost', role: r.actor_role, reason: r.reason, outcome: r.outcome }));
  }

  /** The report as a PDF, without the withheld entries; the withholding is recorded in the audit. */
  async produce(viewer: Viewer, childId: string, withheld: { entryIds: readonly number[]; reason: string }, requestId: string | null): Promise<{ pdf: Uint8Array; fileName: string }> {
    const reason = withheld.reason.trim();
    if (withheld.entryIds.length > 0 && (!reason || reason.length > 500)) {
      throw new ValidationError('Say why entries are withheld', { withheldReason: 'Enter why disclosing the selected entries could cause serious harm (500 characters or fewer)' });
    }
    if (!isUuid(childId)) throw new NotFoundError('No child with this reference');
    const withheldIds = new Set(withheld.entryIds);
    const id = await resolveSurvivor(this.deps.db, childId.toLowerCase());
    const produced = await inTransaction(this.deps.db, async (tx) => {
      const child = await findChildCouncil(tx, id);
      if (!child) return null;
      const decision = mayPrepareSubjectAccess(viewer, { responsibleCouncilId: child.responsible_council_id });
      const note = withheldIds.size > 0 ? `subject access report; withheld entries ${[...withheldIds].sort((a, b) => a - b).join(', ')}: ${reason}` : 'subject access report; nothing withheld';
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'export', childId: id, basis: decision.basis, reason: note, outcome: decision.allow ? 'allowed' : 'refused', requestId });
      if (!decision.allow) return null;
      const rows = await listAccessToChild(tx, await withMergedIds(tx, id), MAX_ENTRIES);
      const identity = (await this.deps.children.read(id, tx))?.identity ?? null;
      return { rows, identity };
    });
    if (!produced) throw new NotFoundError('No child with this reference');
    const { rows, identity } = produced;
    const today = ukDate(this.deps.clock.now());
    const lines = rows
      .filter((r) => !withheldIds.has(r.id) && r.outcome === 'allowed')
      .reverse()
      .map((r) => ({
        when: formatDateTime(r.occurred_at),
        organisation: [r.organisation_name ?? 'Signpost', r.actor_role?.replace(/_/g, ' ')].filter(Boolean).join(', '),
        what: ACTION_WORDS[r.action] ?? r.action,
        reason: describeReason(r.reason),
      }));
    const who = identity ? `${identity.givenNames ?? 'Unborn child'} ${identity.familyName}, born ${formatDate(identity.dateOfBirth)}` : `reference ${childId}`;
    // Loaded on first use: pdf-lib is a fifth of a second of every command's start-up.
    const { subjectAccessPdf } = await import('./subject-access-pdf.js');
    const pdf = await subjectAccessPdf({
      title: 'Who has looked at this record, and why',
      intro: [
        `This report lists every time a professional looked at, created or changed the Signpost record of ${who}, with the organisation, their role and the reason they gave.`,
        'Signpost shows professionals which services are working with a child. It holds no case notes.',
        'Information may be withheld where disclosing it would be likely to cause serious harm to anyone (Data Protection Act 2018, Schedule 3). If you think something is missing or wrong, contact the council\'s data protection officer.',
      ],
      lines,
      producedOn: formatDate(today),
    });
    return { pdf, fileName: `signpost-who-looked-${today}.pdf` };
  }

  async #authorised(viewer: Viewer, childId: string, requestId: string | null, purpose: string) {
    const rows = await inTransaction(this.deps.db, async (tx) => {
      if (!isUuid(childId)) return null;
      // A record merged into another answers as the surviving record, whose history includes it.
      const id = await resolveSurvivor(tx, childId.toLowerCase());
      const child = await findChildCouncil(tx, id);
      if (!child) return null;
      const decision = mayPrepareSubjectAccess(viewer, { responsibleCouncilId: child.responsible_council_id });
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'view', childId: id, basis: decision.basis, reason: purpose, outcome: decision.allow ? 'allowed' : 'refused', requestId });
      return decision.allow ? listAccessToChild(tx, await withMergedIds(tx, id), MAX_ENTRIES) : null;
    });
    if (!rows) throw new NotFoundError('No child with this reference');
    return rows;
  }
}
