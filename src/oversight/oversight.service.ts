import { inTransaction, type Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { NotFoundError, ValidationError } from '../platform/http/errors.js';
import { addDays, type CalendarDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { mayUseOversight } from '../access/child-access.js';
import { BlindIndexer } from '../children/blind-index.js';
import { isAlertRule, RULE_TITLES, type AlertRule } from './anomaly-rules.js';
import { scanAudit, type ScanResult } from './oversight-scan.js';
import { ukInstant } from './uk-time.js';
import {
  alertEntries, findAlert, findOrganisationIdByCode, findUserIdByEmail, latestAuditEntryId, listAlerts, saveReview, searchAuditEntries,
  type AlertStatus, type AuditSearchFilter,
} from './oversight.repository.js';

/** Rows per page of the audit search and the alert queue. */
export const PAGE_SIZE = 50;
/** Entries shown with one alert: a bulk-viewing alert can hold hundreds; the search finds the rest. */
const MAX_ALERT_ENTRIES = 500;

export const REVIEW_OUTCOMES = ['appropriate', 'inappropriate', 'escalated'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', ...REVIEW_OUTCOMES];

/** A validated audit search as the page sends it; people and organisations named as people know them. */
export interface AuditSearch {
  email?: string;
  childId?: string;
  organisationCode?: string;
  from?: CalendarDate;
  to?: CalendarDate;
  action?: string;
  basis?: string;
  page: number;
  /** Set by the first page (the newest entry then), so later pages do not shift as entries arrive. */
  upTo?: number;
}

/** One audit entry as the workspace shows it. */
export interface AuditRow {
  id: number;
  at: Date;
  action: string;
  childId: string | null;
  who: string;
  email: string | null;
  organisation: string | null;
  role: string | null;
  basis: string | null;
  reason: string | null;
  outcome: string;
  requestId: string | null;
}

export interface AlertSummary {
  id: number;
  rule: AlertRule;
  title: string;
  subject: string;
  subjectEmail: string | null;
  organisation: string | null;
  childId: string | null;
  raisedAt: Date;
  windowStart: Date;
  windowEnd: Date;
  summary: string;
  status: AlertStatus;
  reviewedAt: Date | null;
  reviewer: string | null;
  reviewNote: string | null;
}

export interface AlertDetail extends AlertSummary {
  entries: AuditRow[];
  entryCount: number;
}

const subjectName = (r: { subject_name: string | null; subject_api_client: string | null }) =>
  r.subject_name ?? (r.subject_api_client ? `Agency system ${r.subject_api_client}` : 'Unknown');

const toAuditRow = (r: {
  id: number; occurred_at: Date; action: string; child_id: string | null; actor_name: string | null; actor_email: string | null; actor_api_client: string | null;
  organisation_name: string | null; actor_role: string | null; basis: string | null; reason: string | null; outcome: string; request_id: string | null;
}): AuditRow => ({
  id: r.id, at: r.occurred_at, action: r.action, childId: r.child_id,
  who: r.actor_name ?? (r.actor_api_client ? `Agency system ${r.actor_api_client}` : 'No account'),
  email: r.actor_email, organisation: r.organisation_name, role: r.actor_role, basis: r.basis, reason: r.reason, outcome: r.outcome, requestId: r.request_id,
});

function toAlertSummary(r: {
  id: number; rule: string; subject_name: string | null; subject_email: string | null; subject_api_client: string | null; organisation_name: string | null;
  child_id: string | null; raised_at: Date; window_start: Date; window_end: Date; summary: string; status: AlertStatus; reviewed_at: Date | null;
  reviewer_name: string | null; review_note: string | null;
}): AlertSummary {
  const rule = isAlertRule(r.rule) ? r.rule : 'bulk_viewing';
  return {
    id: r.id, rule, title: isAlertRule(r.rule) ? RULE_TITLES[r.rule] : r.rule, subject: subjectName(r), subjectEmail: r.subject_email,
    organisation: r.organisation_name, childId: r.child_id, raisedAt: r.raised_at, windowStart: r.window_start, windowEnd: r.window_end,
    summary: r.summary, status: r.status, reviewedAt: r.reviewed_at, reviewer: r.reviewer_name, reviewNote: r.review_note,
  };
}

/**
 * The information-governance workspace (SECURITY §2): search the whole audit, work the council's
 * alert queue, and the scan that fills it. Every look at the workspace and every review is itself
 * an audit entry, written in the same transaction as the read or the write; anyone who is not an
 * information-governance officer is refused — recorded, then answered as for a missing page.
 */
export class OversightService {
  readonly #indexer: BlindIndexer;

  constructor(private readonly deps: { db: Db; clock: Clock; keys: Keyring; audit: AuditService }) {
    this.#indexer = new BlindIndexer(deps.keys);
  }

  /** Seals what is waiting, then applies the anomaly rules to every audit entry not yet scanned. */
  async scan(options: { onProgress?: ProgressReporter } = {}): Promise<ScanResult> {
    await this.deps.audit.sealNow();
    return this.scanSealed(options);
  }

  /** Scans what is already sealed (the server's loop, where the sealer runs on its own). */
  scanSealed(options: { onProgress?: ProgressReporter } = {}): Promise<ScanResult> {
    return scanAudit({ db: this.deps.db, clock: this.deps.clock, indexer: this.#indexer }, options);
  }

  /** Audit entries matching the search, newest first, a page at a time (one more row says "there is a next page"). */
  async searchAudit(viewer: Viewer, search: AuditSearch, requestId: string | null): Promise<{ rows: AuditRow[]; hasNext: boolean; upTo: number }> {
    await this.#mustBeOfficer(viewer, 'audit search', requestId);
    const filter = await this.#filterFor(search);
    const { rows, upTo } = await inTransaction(this.deps.db, async (tx) => {
      const pin = search.upTo ?? (await latestAuditEntryId(tx));
      const found = await searchAuditEntries(tx, { ...filter, upToId: pin }, { limit: PAGE_SIZE + 1, offset: (search.page - 1) * PAGE_SIZE });
      await this.#record(tx, viewer, 'view', `audit search${describeSearch(search)}`, requestId);
      return { rows: found, upTo: pin };
    });
    return { rows: rows.slice(0, PAGE_SIZE).map(toAuditRow), hasNext: rows.length > PAGE_SIZE, upTo };
  }

  /** The officer's council's alerts, open first, optionally of one status. */
  async alertQueue(viewer: Viewer, query: { status: AlertStatus | null; page: number }, requestId: string | null): Promise<{ alerts: AlertSummary[]; hasNext: boolean }> {
    const { council } = await this.#mustBeOfficer(viewer, 'alert queue', requestId);
    const rows = await inTransaction(this.deps.db, async (tx) => {
      const found = await listAlerts(tx, council, query.status, { limit: PAGE_SIZE + 1, offset: (query.page - 1) * PAGE_SIZE });
      await this.#record(tx, viewer, 'view', `alert queue${query.status ? ` (${query.status})` : ''}`, requestId);
      return found;
    });
    return { alerts: rows.slice(0, PAGE_SIZE).map(toAlertSummary), hasNext: rows.length > PAGE_SIZE };
  }

  /** One alert of the officer's council with its audit entries; another council's is not found. */
  async alert(viewer: Viewer, alertId: number, requestId: string | null): Promise<AlertDetail> {
    const { council } = await this.#mustBeOfficer(viewer, `alert ${alertId}`, requestId);
    const detail = await inTransaction(this.deps.db, async (tx) => {
      const row = await findAlert(tx, council, alertId);
      await this.#record(tx, viewer, 'view', `alert ${alertId}`, requestId, row ? 'allowed' : 'refused');
      if (!row) return null;
      const entries = await alertEntries(tx, row.id, MAX_ALERT_ENTRIES);
      return { ...toAlertSummary(row), entries: entries.map(toAuditRow), entryCount: row.entry_count };
    });
    if (!detail) throw new NotFoundError();
    return detail;
  }

  /**
   * Records the officer's review: appropriate, inappropriate or escalated, with a note (needed for
   * the last two), who and when. A later review replaces the alert's outcome; each one stays in
   * the audit.
   */
  async review(viewer: Viewer, alertId: number, input: { outcome: string; note: string }, requestId: string | null): Promise<void> {
    const { council, userId } = await this.#mustBeOfficer(viewer, `review of alert ${alertId}`, requestId);
    const note = input.note.trim();
    const fields: Record<string, string> = {};
    const outcome = (REVIEW_OUTCOMES as readonly string[]).includes(input.outcome) ? (input.outcome as ReviewOutcome) : null;
    if (!outcome) fields['outcome'] = 'Select whether the access was appropriate, inappropriate or needs escalating';
    if (note.length > 2000) fields['note'] = 'Note must be 2000 characters or fewer';
    else if (!note && outcome === 'inappropriate') fields['note'] = 'Say why the access was inappropriate and what happens next';
    else if (!note && outcome === 'escalated') fields['note'] = 'Say who it was escalated to and why';
    if (Object.keys(fields).length > 0 || !outcome) throw new ValidationError('Check the review', fields);
    const saved = await inTransaction(this.deps.db, async (tx) => {
      const ok = await saveReview(tx, council, alertId, { status: outcome, note: note || null, by: userId, at: this.deps.clock.now() });
      await this.#record(tx, viewer, 'update', `alert ${alertId} reviewed: ${outcome}`, requestId, ok ? 'allowed' : 'refused');
      return ok;
    });
    if (!saved) throw new NotFoundError();
  }

  /**
   * Lets an information-governance officer through and refuses anyone else (recorded, then a 404),
   * for a page that checks its input before it reads anything.
   */
  async enter(viewer: Viewer, what: string, requestId: string | null): Promise<void> {
    await this.#mustBeOfficer(viewer, what, requestId);
  }

  /** The officer and their council, or a recorded refusal and a 404. */
  async #mustBeOfficer(viewer: Viewer, what: string, requestId: string | null): Promise<{ userId: string; council: string }> {
    const decision = mayUseOversight(viewer);
    if (decision.allow && viewer.kind === 'user') return { userId: viewer.userId, council: viewer.organisationId };
    // Committed before the 404 goes out: someone probing the watchers' tools is worth seeing.
    await this.deps.audit.record(this.deps.db, { ...auditActor(viewer), action: 'view', basis: decision.basis, reason: what, outcome: 'refused', requestId });
    throw new NotFoundError();
  }

  async #record(tx: Parameters<AuditService['record']>[0], viewer: Viewer, action: 'view' | 'update', reason: string, requestId: string | null, outcome: 'allowed' | 'refused' = 'allowed'): Promise<void> {
    await this.deps.audit.record(tx, { ...auditActor(viewer), action, basis: mayUseOversight(viewer).basis, reason, outcome, requestId });
  }

  /** Turns the people's terms (email, organisation code, UK dates) into the stored ones. */
  async #filterFor(search: AuditSearch): Promise<Omit<AuditSearchFilter, 'upToId'>> {
    const fields: Record<string, string> = {};
    const filter: Omit<AuditSearchFilter, 'upToId'> = {};
    if (search.email) {
      const user = await findUserIdByEmail(this.deps.db, search.email);
      if (user) filter.actorUserId = user.id;
      else fields['email'] = 'No account has this email address';
    }
    if (search.organisationCode) {
      const org = await findOrganisationIdByCode(this.deps.db, search.organisationCode);
      if (org) filter.organisationId = org.id;
      else fields['organisation'] = 'No organisation has this code';
    }
    if (Object.keys(fields).length > 0) throw new ValidationError('Check the search', fields);
    if (search.childId) filter.childId = search.childId;
    if (search.from) filter.from = ukInstant(search.from, 0);
    if (search.to) filter.before = ukInstant(addDays(search.to, 1), 0);
    if (search.action) filter.action = search.action;
    if (search.basis) filter.basisContains = search.basis;
    return filter;
  }
}

/** What was searched for, in the audit entry's reason: the watchers' searches are watched too. */
function describeSearch(search: AuditSearch): string {
  const parts = [
    search.email && `user ${search.email}`,
    search.childId && `child ${search.childId}`,
    search.organisationCode && `organisation ${search.organisationCode}`,
    search.from && `from ${search.from}`,
    search.to && `to ${search.to}`,
    search.action && `action ${search.action}`,
    search.basis && `basis "${search.basis}"`,
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}
