import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { decideChildAccess } from '../access/child-access.js';
import { loadAccessFacts } from '../access/access-facts.repository.js';
import { mayReviewMatches, mayReviewPair } from '../access/match-review-access.js';
import type { ChildrenService } from '../children/children.service.js';
import type { Child } from '../children/child-identity.js';
import { findOrganisationsByIds } from '../organisations/organisations.repository.js';
import { AUTO_LINK_THRESHOLD, REVIEW_THRESHOLD } from '../matching/online-match.js';
import type { QueueOrder } from './match-review.forms.js';
import { findReviewItem, listOpenReviewItems, mergedInto, pairCouncils, reopenReviewItem, saveReviewDecision, type ReviewItemRow } from './match-review.repository.js';
import { findMergeForReview } from './merge.repository.js';
import { matchRateFigures, type MatchRateFigures } from './match-rate.repository.js';
import { MergeService } from './merge.service.js';

export const REVIEW_DECISIONS = ['same_child', 'different_children', 'not_sure'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

const PAGE_SIZE = 50;

/** One side of the comparison: what the reviewer may see of that record. */
export interface ComparedRecord {
  childId: string;
  role: 'incoming' | 'existing';
  /** Shielded and the reviewer is not a seal-holder: name, sex and date of birth only (DOMAIN §4). */
  summaryOnly: boolean;
  shielded: boolean;
  givenNames: string | null;
  familyName: string;
  formerFamilyNames: string[];
  dateOfBirth: string;
  sex: string;
  nhsNumber: string | null;
  address: { lines: string[]; town: string; postcode: string } | null;
  council: string;
  recordTrigger: string;
  mergedInto: string | null;
}

export interface Comparison {
  item: ReviewItemRow;
  records: [ComparedRecord, ComparedRecord];
  /** The merge this item's "same child" decision made, while it stands (for the undo button). */
  liveMergeId: string | null;
  thresholds: { review: number; autoLink: number };
}

/**
 * The match review queue (issue 5): pairs the matcher could not decide, compared side by side and
 * decided by a person with a reason. Every rule comes from src/access (mayReviewMatches,
 * mayReviewPair, decideChildAccess); every look and decision is audited in its transaction; a
 * refusal is recorded and answered as a missing page.
 */
export class MatchReviewService {
  readonly #merges: MergeService;

  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; children: ChildrenService }) {
    this.#merges = new MergeService({ children: deps.children });
  }

  /** Checks the viewer may use the review pages at all; a refusal is audited and is a 404. */
  async enter(viewer: Viewer, what: string, requestId: string | null): Promise<void> {
    const decision = mayReviewMatches(viewer);
    if (decision.allow) return;
    await this.deps.audit.record(this.deps.db, { ...auditActor(viewer), action: 'view', basis: decision.basis, reason: what, outcome: 'refused', requestId });
    throw new NotFoundError();
  }

  /** Open and "not sure" items for the viewer's council, oldest or most likely first. Counts and scores only. */
  async queue(viewer: Viewer, page: number, order: QueueOrder = 'oldest'): Promise<{ items: (ReviewItemRow & { ageDays: number })[]; hasNext: boolean }> {
    if (viewer.kind !== 'user' || !mayReviewMatches(viewer).allow) throw new NotFoundError();
    const rows = await listOpenReviewItems(this.deps.db, viewer.organisationId, order, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const now = this.deps.clock.now().getTime();
    return { items: rows.slice(0, PAGE_SIZE).map((r) => ({ ...r, ageDays: Math.floor((now - r.createdAt.getTime()) / 86_400_000) })), hasNext: rows.length > PAGE_SIZE };
  }

  /**
   * Both records side by side, opened for the reviewer and audited as a look at each child (the
   * reason names the review item), with the per-comparison weights and the probability.
   */
  async compare(viewer: Viewer, itemId: number, requestId: string | null): Promise<Comparison> {
    return inTransaction(this.deps.db, async (tx) => {
      const item = await this.#itemFor(tx, viewer, itemId, requestId);
      const reason = `match review: item ${String(itemId)}`;
      const records = await this.#openPair(tx, viewer, item, reason, requestId);
      const merge = await findMergeForReview(tx, item.id);
      return { item, records, liveMergeId: merge && !merge.unmergedAt ? merge.id : null, thresholds: { review: REVIEW_THRESHOLD, autoLink: AUTO_LINK_THRESHOLD } };
    });
  }

  /**
   * Records the decision with its reason. "Same child" merges the incoming record into the
   * existing one (the survivor keeps its id; the other becomes a tombstone pointing at it).
   */
  async decide(viewer: Viewer, itemId: number, input: { decision: string; reason: string }, requestId: string | null): Promise<{ mergeId: string | null }> {
    const fields: Record<string, string> = {};
    const reason = input.reason.trim();
    if (!(REVIEW_DECISIONS as readonly string[]).includes(input.decision)) fields['decision'] = 'Select whether these records are the same child';
    if (!reason || reason.length > 1000) fields['reason'] = 'Enter the reason for your decision (1000 characters or fewer)';
    if (Object.keys(fields).length > 0) throw new ValidationError('Check your decision', fields);
    const decision = input.decision as ReviewDecision;
    return inTransaction(this.deps.db, async (tx) => {
      const item = await this.#itemFor(tx, viewer, itemId, requestId, { forUpdate: true });
      if (viewer.kind !== 'user') throw new NotFoundError();
      if (item.status === 'same_child' || item.status === 'different_children') throw new ConflictError('This pair has already been decided');
      let mergeId: string | null = null;
      if (decision === 'same_child') {
        mergeId = await this.#merges.merge(tx, { survivorChildId: item.existingChildId, mergedChildId: item.incomingChildId, reviewItemId: item.id, userId: viewer.userId, reason });
      }
      await saveReviewDecision(tx, item.id, { status: decision, userId: viewer.userId, reason });
      const what = decision === 'same_child' ? `records merged (review item ${String(item.id)})` : decision === 'different_children' ? `records kept apart (review item ${String(item.id)})` : `review item ${String(item.id)}: not sure`;
      await this.#auditBoth(tx, viewer, item, 'update', `${what}: ${reason}`, requestId);
      return { mergeId };
    });
  }

  /** Undoes the merge a "same child" decision made; the item goes back to the queue. */
  async unmerge(viewer: Viewer, itemId: number, input: { reason: string }, requestId: string | null): Promise<void> {
    const reason = input.reason.trim();
    if (!reason || reason.length > 1000) throw new ValidationError('Check your reason', { unmergeReason: 'Enter why the records are being separated (1000 characters or fewer)' });
    await inTransaction(this.deps.db, async (tx) => {
      const item = await this.#itemFor(tx, viewer, itemId, requestId, { forUpdate: true });
      if (viewer.kind !== 'user') throw new NotFoundError();
      const merge = await findMergeForReview(tx, item.id);
      if (!merge || merge.unmergedAt) throw new ConflictError('These records are not merged');
      await this.#merges.unmerge(tx, merge.id, viewer.userId, reason);
      await reopenReviewItem(tx, item.id);
      await this.#auditBoth(tx, viewer, item, 'update', `records separated (review item ${String(item.id)}): ${reason}`, requestId);
    });
  }

  /** The match-rate dashboard's figures for the viewer's council: counts only. */
  async matchRate(viewer: Viewer): Promise<MatchRateFigures> {
    if (viewer.kind !== 'user' || !mayReviewMatches(viewer).allow) throw new NotFoundError();
    return matchRateFigures(this.deps.db, viewer.organisationId, this.deps.clock.now());
  }

  /** The item, if the viewer may review this pair; otherwise the refusal is audited and it is a 404. */
  async #itemFor(tx: DbOrTx, viewer: Viewer, itemId: number, requestId: string | null, options: { forUpdate?: boolean } = {}): Promise<ReviewItemRow> {
    const item = await findReviewItem(tx, itemId, options);
    const councils = item ? await pairCouncils(tx, item.incomingChildId, item.existingChildId) : [];
    const decision = mayReviewPair(viewer, councils);
    if (item && decision.allow) return item;
    // Recorded outside this transaction so the refusal survives the 404 that rolls it back.
    await this.deps.audit.record(this.deps.db, { ...auditActor(viewer), action: 'view', basis: decision.basis, reason: `match review: item ${String(itemId)}`, outcome: 'refused', requestId });
    throw new NotFoundError();
  }

  async #openPair(tx: DbOrTx, viewer: Viewer, item: ReviewItemRow, reason: string, requestId: string | null): Promise<[ComparedRecord, ComparedRecord]> {
    const ids = [item.incomingChildId, item.existingChildId];
    const facts = await loadAccessFacts(tx, ids, { userId: viewer.kind === 'user' ? viewer.userId : null, today: ukDate(this.deps.clock.now()), now: this.deps.clock.now() });
    const children = new Map((await this.deps.children.readMany(ids, tx)).map((c) => [c.id, c]));
    const councils = new Map((await findOrganisationsByIds(tx, [...new Set([...children.values()].map((c) => c.responsibleCouncilId))])).map((o) => [o.id, o.name]));
    const out: ComparedRecord[] = [];
    for (const [index, childId] of ids.entries()) {
      const childFacts = facts.get(childId);
      const child = children.get(childId);
      if (!childFacts || !child) throw new ConflictError('One of these records has been removed at the end of its retention period');
      const access = decideChildAccess(viewer, childFacts, 'signpost', reason);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'view', childId, basis: `${mayReviewPair(viewer, [child.responsibleCouncilId, ...councils.keys()]).basis}; ${access.basis}`, reason, outcome: 'allowed', requestId });
      out.push(compared(child, index === 0 ? 'incoming' : 'existing', access.shieldSummaryOnly, councils.get(child.responsibleCouncilId) ?? 'Unknown council', await mergedInto(tx, childId)));
    }
    return [out[0]!, out[1]!];
  }

  async #auditBoth(tx: DbOrTx, viewer: Viewer, item: ReviewItemRow, action: 'update', reason: string, requestId: string | null): Promise<void> {
    const basis = mayReviewPair(viewer, await pairCouncils(tx, item.incomingChildId, item.existingChildId)).basis;
    await this.deps.audit.recordMany(tx, [item.incomingChildId, item.existingChildId].map((childId) => ({ ...auditActor(viewer), action, childId, basis, reason, outcome: 'allowed' as const, requestId })));
  }
}

function compared(child: Child, role: ComparedRecord['role'], summaryOnly: boolean, council: string, mergedInto: string | null): ComparedRecord {
  const { identity } = child;
  return {
    childId: child.id, role, summaryOnly, shielded: child.shielded, givenNames: identity.givenNames, familyName: identity.familyName,
    formerFamilyNames: summaryOnly ? [] : identity.formerFamilyNames, dateOfBirth: identity.dateOfBirth, sex: child.sex,
    nhsNumber: summaryOnly ? null : identity.nhsNumber,
    address: summaryOnly || identity.address.kind !== 'known' ? null : { lines: identity.address.lines, town: identity.address.town, postcode: identity.address.postcode },
    council, recordTrigger: child.recordTrigger, mergedInto,
  };
}
