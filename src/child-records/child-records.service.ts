import { randomUUID } from 'node:crypto';
import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { addYears, isCalendarDate, ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { decideChildAccess, maySendAs } from '../access/child-access.js';
import { loadLookFacts } from '../access/access-facts.repository.js';
import { ChildrenService } from '../children/children.service.js';
import type { Child, ChildIdentity, LinkedIdentifier } from '../children/child-identity.js';
import type { BlockingProbe } from '../children/blind-index.js';
import { validateChildRecord, type ChildRecordInput, type ValidChildRecord } from '../children/child-record-input.js';
import { normaliseUpn } from '../children/upn.js';
import { findOrganisationByCode } from '../organisations/organisations.repository.js';
import type { ChildSearchService, ChildSearchResult } from '../search/child-search.service.js';
import { isUuid } from '../involvements/field-errors.js';
import { forEachAtMost } from '../platform/async/at-most.js';
import { ShieldedNeighbours } from '../search/shielded-neighbours.js';
import { IDENTIFIER_COLUMN, lookReads, readChildRecordView, SHIELD_REASON_COLUMN, type ChildRecordView, type LookReads } from './child-record-view.js';
import { SignpostService } from '../involvements/signpost.service.js';
import { OnlineMatcher, type MatchCandidate } from '../matching/online-match.js';
import { childScorer } from '../matching/child-model.js';
import { insertReviewItems, mergedInto } from '../match-review/match-review.repository.js';
import type { CouncilContact, Signpost } from '../involvements/signpost.js';
import type { FlagFact } from '../notifications/look-notifications.js';
import {
  addSealHolder,
  findAccessFacts,
  findIdentifierOwners,
  findShield,
  insertIdentifiers,
  insertIdentifiersOfChildren,
  listSealHolders,
  lockChild,
  removeShield,
  saveShield,
  setLegalHold,
  setRecordDigest,
  type IdentifierRow,
  type LookWrites,
} from './child-records.repository.js';

/** Where a record came from: a practitioner's entry, or another agency's system and its own id. */
export interface RecordSource {
  system: string;
  id: string;
}

/** What a record from a source did: made a new child, or updated (or left as it was) a known one. */
export interface SourceUpsert {
  childId: string;
  created: boolean;
  changed: boolean;
}

/** A source's own id for a child, with the digest of the record it brings (BlindIndexer.sourceRecordDigest); `linked` when it joins a child by an automatic match. */
type SourceIdentifier = LinkedIdentifier & { kind: 'source_system'; recordDigest: Buffer; linked?: boolean };

/** A checked record of a source's batch: its position, and its identifiers with their lookups (the source's own id last). */
interface SourceBatchRecord {
  at: number;
  record: ValidChildRecord;
  councilId: string;
  identifiers: ((LinkedIdentifier | SourceIdentifier) & { lookup: Buffer })[];
  /** The source's own id (the last of `identifiers`). */
  source: SourceIdentifier & { lookup: Buffer };
  /** Its blocking keys and ranking values (keyed: no identity in them), worked out once. */
  probe: BlockingProbe;
}

/** A record of a batch to be stored as a new child, with the existing children to review it against. */
interface SourceBatchPlan extends SourceBatchRecord {
  review: MatchCandidate[];
}

/** A record of a batch certain enough of one existing child to be linked to it. */
interface SourceBatchLink extends SourceBatchRecord {
  to: MatchCandidate;
}

/** A round of a batch split by #planSourceRound. */
interface SourceRoundPlan {
  /** Records their source sent before exactly so: nothing to do but say so. */
  unchanged: { at: number; childId: string }[];
  store: SourceBatchPlan[];
  link: SourceBatchLink[];
  later: SourceBatchRecord[];
  single: SourceBatchRecord[];
  /** Pairs (position, position of the record it goes after) among the single-way records. */
  waits: [number, number][];
}

/**
 * A batch of records from one source, checked and matched against the index as it stood then
 * (ChildRecordsService.planManyFromSource), waiting to be stored (upsertPlannedFromSource).
 */
export interface PlannedSourceBatch {
  readonly system: string;
  readonly records: readonly { sourceId: string; input: ChildRecordInput }[];
  /** The records refused by their own checks, at their positions. */
  readonly refused: readonly (DomainError | undefined)[];
  readonly round: readonly SourceBatchRecord[];
  readonly shielded: ShieldedNeighbours;
  readonly first: SourceRoundPlan;
}

/** Records of a batch that go the single way (each its own transaction) at the same time. */
const RECORDS_AT_ONCE = 4;

/** Two records that may be the same child: creating another is allowed only once they were seen. */
export class PossibleDuplicateError extends DomainError {
  constructor(readonly candidates: ChildSearchResult[]) {
    super('possible-duplicate', 409, 'This child may already be known to services. Check the likely matches before creating a new record.');
  }
}

/** What a shield shows (DOMAIN §4): name, sex, date of birth, reference and who to ask. Nothing else. */
export interface ShieldSummary {
  childId: string;
  givenNames: string | null;
  familyName: string;
  dateOfBirth: CalendarDate;
  sex: Child['sex'];
  council: CouncilContact;
}

export type { ChildRecordView, ShieldDetails } from './child-record-view.js';

export type SignpostLook =
  | { kind: 'full'; record: ChildRecordView }
  | { kind: 'shielded'; summary: ShieldSummary };

export interface ShieldInput {
  reason: string;
  decidedBy: string;
  reviewOn: string;
}

const SOURCE_SYSTEM = /^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$/;
/** Roles a council trusts to shield a child or name its seal-holders. */
const SHIELDING_ROLES = new Set(['social_worker', 'council_administrator', 'mash_officer']);

/**
 * A child record's life: created after a search (or from another agency's feed, idempotently),
 * updated from its sources, shielded, looked at with a reason, and kept until its retention date.
 * Every read and write goes through the access rule and leaves an audit entry in the same
 * transaction; nothing here logs a name or a date of birth.
 */
export class ChildRecordsService {
  readonly #children: ChildrenService;
  readonly #signposts: SignpostService;
  readonly #matcher: OnlineMatcher;
  readonly #lookReads: LookReads;
  /** The shielded children's search keys as the last batch loaded them, kept while they are unchanged. */
  #shieldedNeighbours: ShieldedNeighbours | undefined;

  constructor(private readonly deps: { db: Db; clock: Clock; children: ChildrenService; search: ChildSearchService; audit: AuditService; notifications: NotificationsService; matcher?: OnlineMatcher; retentionMonths: number }) {
    this.#children = deps.children;
    this.#matcher = deps.matcher ?? new OnlineMatcher({ children: deps.children, scorer: childScorer() });
    this.#signposts = new SignpostService({ db: deps.db });
    this.#lookReads = lookReads(deps.db);
  }

  #today(): CalendarDate {
    return ukDate(this.deps.clock.now());
  }

  /**
   * Children already known who are probably this one (same NHS number, or close on name and date
   * of birth), most likely first. Shown before a new record is made.
   */
  async likelyMatches(identity: Pick<ChildIdentity, 'givenNames' | 'familyName' | 'dateOfBirth' | 'nhsNumber'>): Promise<ChildSearchResult[]> {
    const found = new Map<string, ChildSearchResult>();
    if (identity.nhsNumber) for (const r of await this.deps.search.search({ nhsNumber: identity.nhsNumber })) found.set(r.childId, r);
    const byName = await this.deps.search.search({ givenNames: identity.givenNames ?? undefined, familyName: identity.familyName, dateOfBirth: identity.dateOfBirth });
    for (const r of byName) if (r.likeness !== 'possible' && !found.has(r.childId)) found.set(r.childId, r);
    return [...found.values()];
  }

  /**
   * The likely matches a feed's new record needs: only for a shield to follow (see #insert), so
   * the full search (which opens every candidate) runs only when a candidate is shielded — for
   * about one feed row in a few hundred. Same result as likelyMatches for that purpose.
   */
  async #shieldedLikelyMatches(identity: Pick<ChildIdentity, 'givenNames' | 'familyName' | 'dateOfBirth' | 'nhsNumber'>): Promise<ChildSearchResult[]> {
    const byName = { givenNames: identity.givenNames ?? undefined, familyName: identity.familyName, dateOfBirth: identity.dateOfBirth };
    const checks = [this.deps.search.mayFindShielded(byName), ...(identity.nhsNumber ? [this.deps.search.mayFindShielded({ nhsNumber: identity.nhsNumber })] : [])];
    return (await Promise.all(checks)).some(Boolean) ? this.likelyMatches(identity) : [];
  }

  /**
   * Creates a child from a practitioner's entry. Search before create: if likely matches exist that
   * the practitioner has not been shown (`reviewedMatches`), nothing is written and they come back
   * in a {@link PossibleDuplicateError}. A shield on any likely match follows to the new record.
   */
  async create(viewer: Viewer, input: ChildRecordInput, options: { reviewedMatches: readonly string[]; requestId: string | null }): Promise<{ childId: string }> {
    const record = validateChildRecord(input, this.#today());
    const councilId = await this.#councilId(record.responsibleCouncilCode);
    const matches = await this.likelyMatches(record.identity);
    const unseen = matches.filter((m) => !options.reviewedMatches.includes(m.childId));
    if (unseen.length > 0) throw new PossibleDuplicateError(matches);
    return inTransaction(this.deps.db, async (tx) => {
      await this.#refuseTakenIdentifiers(tx, null, record.identifiers);
      const childId = await this.#insert(tx, viewer, record, councilId, [], matches);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'create', childId, basis: 'practitioner entry after search', reason: record.recordTrigger, outcome: 'allowed', requestId: options.requestId });
      return { childId };
    });
  }

  /**
   * Creates or updates the child another agency's system knows as `source.id`. Idempotent: sending
   * the same record again changes nothing and reports `changed: false` (recognised by the digest
   * of what this source id last sent, so nothing is opened, and nothing corrected since is put
   * back); a changed record updates the one child. A new child that is likely someone already
   * shielded is shielded too.
   */
  async upsertFromSource(viewer: Viewer, source: RecordSource, input: ChildRecordInput, requestId: string | null): Promise<SourceUpsert> {
    const { system, sourceId, record } = this.#checkFromSource(viewer, source, input);
    const councilId = await this.#councilId(record.responsibleCouncilCode);
    const sourceIdentifier = this.#sourceIdentifier(system, sourceId, record);
    const lookup = this.#lookup(sourceIdentifier);

    const existing = (await findIdentifierOwners(this.deps.db, [{ kind: 'source_system', issuer: system, lookup }]))[0];
    if (existing?.recordDigest?.equals(sourceIdentifier.recordDigest)) return { childId: existing.childId, created: false, changed: false };
    if (existing) return this.#updateFromSource(viewer, existing, record, councilId, sourceIdentifier, requestId);

    const [matches, scored] = await Promise.all([this.#shieldedLikelyMatches(record.identity), this.#matcher.candidates(record.identity, record.sex)]);
    const decision = OnlineMatcher.decide(scored);
    try {
      if (decision.kind === 'link') {
        const linked = await this.#linkFromSource(viewer, decision.to, system, record, sourceIdentifier, requestId);
        if (linked) return linked;
      }
      const review = decision.kind === 'new' ? [] : decision.kind === 'link' ? [decision.to, ...decision.review] : decision.review;
      return await inTransaction(this.deps.db, async (tx) => {
        await this.#refuseTakenIdentifiers(tx, null, record.identifiers);
        const childId = await this.#insert(tx, viewer, record, councilId, [sourceIdentifier], matches, review);
        await insertReviewItems(tx, review.map((c) => ({ incomingChildId: childId, existingChildId: c.childId, probability: c.probability, matchWeight: c.matchWeight, contributions: c.contributions, origin: 'feed', createdAt: this.deps.clock.now() })));
        await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'create', childId, basis: `feed from ${system}`, reason: record.recordTrigger, outcome: 'allowed', requestId });
        return { childId, created: true, changed: true };
      });
    } catch (error) {
      // Two deliveries of one new record at the same moment: the second finds the first's child.
      if (!isUniqueViolation(error)) throw error;
      const winner = (await findIdentifierOwners(this.deps.db, [{ kind: 'source_system', issuer: system, lookup }]))[0];
      if (!winner) throw error;
      return this.#updateFromSource(viewer, winner, record, councilId, sourceIdentifier, requestId);
    }
  }

  /**
   * {@link upsertFromSource} for a batch of records from one source (a feed's), each with the
   * outcome it would have had on its own. The common case, a new child with no shield to follow,
   * is matched and stored for many records at once: a few statements and one transaction (audited
   * there) per round; a record matched surely to one child is linked to it in the same round. A
   * record that could be an earlier record of the same batch waits for the next round, so it is
   * matched against that record once it is stored, as it would be had they come one by one. Every
   * other record (an update, a shield that may follow) then goes through upsertFromSource, in
   * order. A record's own problem comes back as its DomainError.
   */
  async upsertManyFromSource(viewer: Viewer, system: string, records: readonly { sourceId: string; input: ChildRecordInput }[], requestId: string | null): Promise<(SourceUpsert | DomainError)[]> {
    return this.upsertPlannedFromSource(viewer, await this.planManyFromSource(viewer, system, records), requestId);
  }

  /**
   * The reading half of {@link upsertManyFromSource}: checks the records and matches them against
   * the index as it stands, writing nothing. A feed plans its next batch while this one is stored.
   */
  async planManyFromSource(viewer: Viewer, system: string, records: readonly { sourceId: string; input: ChildRecordInput }[]): Promise<PlannedSourceBatch> {
    const refused: (DomainError | undefined)[] = [];
    const round: SourceBatchRecord[] = [];
    const councils = new Map<string, string | DomainError>();
    for (const [at, { sourceId, input }] of records.entries()) {
      try {
        const ok = this.#checkFromSource(viewer, { system, id: sourceId }, input);
        const code = ok.record.responsibleCouncilCode;
        if (!councils.has(code)) councils.set(code, await this.#councilId(code).catch((error: unknown) => domainErrorOrThrow(error)));
        const councilId = councils.get(code)!;
        if (councilId instanceof DomainError) throw councilId;
        const sourceIdentifier = this.#sourceIdentifier(ok.system, ok.sourceId, ok.record);
        const source = { ...sourceIdentifier, lookup: this.#lookup(sourceIdentifier) };
        const identifiers = [...ok.record.identifiers.map((i) => ({ ...i, lookup: this.#lookup(i) })), source];
        round.push({ at, record: ok.record, councilId, identifiers, source, probe: this.#matcher.blockingProbe(ok.record.identity) });
      } catch (error) {
        refused[at] = domainErrorOrThrow(error);
      }
    }
    const shielded = await ShieldedNeighbours.load(this.#children, this.deps.db, this.#shieldedNeighbours);
    this.#shieldedNeighbours = shielded;
    return { system, records, refused, round, shielded, first: await this.#planSourceRound(round, shielded) };
  }

  /**
   * The writing half of {@link upsertManyFromSource}. `previous` is a batch of the same feed
   * planned before this one and stored since (while this one was planned): its records may be the
   * same children as these, which the plan could not see in the index.
   */
  async upsertPlannedFromSource(viewer: Viewer, planned: PlannedSourceBatch, requestId: string | null, previous?: PlannedSourceBatch): Promise<(SourceUpsert | DomainError)[]> {
    const { system, records } = planned;
    const outcomes: (SourceUpsert | DomainError)[] = [];
    planned.refused.forEach((refusal, at) => {
      if (refusal) outcomes[at] = refusal;
    });
    const single: SourceBatchRecord[] = [];
    // Records going the single way in chains: one that waits for another goes after it, in its chain.
    const chains = new SingleWayChains();
    const { plan: first, shielded } = previous ? await this.#catchUp(planned, previous) : { plan: planned.first, shielded: planned.shielded };
    // Each round stores at least its first record or sends it the single way, so rounds shrink.
    for (let plan: SourceRoundPlan | undefined = first; plan;) {
      for (const { at, childId } of plan.unchanged) outcomes[at] = { childId, created: false, changed: false };
      single.push(...plan.single);
      for (const [at, after] of plan.waits) chains.join(at, after);
      let stored: boolean;
      try {
        const created = await this.#storeSourceBatch(viewer, system, plan.store, requestId);
        plan.store.forEach((record, i) => {
          const outcome = created[i];
          if (outcome) outcomes[record.at] = outcome;
          else single.push(record);
        });
        stored = created.every(Boolean);
      } catch (error) {
        // Another delivery of one of these records got there first: each goes the single way.
        if (!isUniqueViolation(error)) throw error;
        single.push(...plan.store);
        stored = false;
      }
      const linked = await this.#linkSourceRecords(viewer, system, plan.link, requestId);
      plan.link.forEach((record, i) => {
        const outcome = linked[i];
        if (outcome) outcomes[record.at] = outcome;
        else single.push(record);
      });
      stored &&= linked.every(Boolean);
      let round: SourceBatchRecord[] = plan.later;
      if (!stored) {
        // Records waiting for this round may wait for one that now goes the single way: all the
        // single-way records then make one chain, in order (a rare path: a clash or a concurrent
        // delivery).
        single.push(...round);
        round = [];
        for (const record of single) chains.join(record.at, single[0]!.at);
      }
      plan = round.length > 0 ? await this.#planSourceRound(round, shielded) : undefined;
    }
    await forEachAtMost(RECORDS_AT_ONCE, chains.of(single.map((r) => r.at)), async (chain) => {
      for (const at of chain) {
        const { sourceId, input } = records[at]!;
        outcomes[at] = await this.upsertFromSource(viewer, { system, id: sourceId }, input, requestId).catch((error: unknown) => domainErrorOrThrow(error));
      }
    });
    return outcomes;
  }

  /**
   * The first round of a batch planned while `previous` was being stored, brought up to date now
   * that it is: a record that may be the same child as one of that batch's (enough blocking values
   * or an identifier in common), or that a shield set since could follow, waits for the next
   * round, to be matched against the index as it now is. The rest of the plan stands: the records
   * it sends the single way are matched again there, and those waiting are planned again.
   */
  async #catchUp(planned: PlannedSourceBatch, previous: PlannedSourceBatch): Promise<{ plan: SourceRoundPlan; shielded: ShieldedNeighbours }> {
    const shielded = await ShieldedNeighbours.load(this.#children, this.deps.db, this.#shieldedNeighbours);
    this.#shieldedNeighbours = shielded;
    const { store, link } = planned.first;
    const decided = [...store, ...link];
    const before = previous.round;
    const blocked = OnlineMatcher.blockedByEarlier([...before.map((r) => r.probe.ranking), ...decided.map((r) => r.probe.ranking)]);
    const held = new Set(before.flatMap((r) => r.identifiers.map(identifierKey)));
    // ShieldedNeighbours.load gives back the same object while no shield has changed.
    const nearShield = shielded === planned.shielded ? new Set<number>() : await shielded.near(decided.map((r) => r.record.identity));
    const waits = new Set(decided.filter((r, k) => blocked.has(before.length + k) || nearShield.has(k) || r.identifiers.some((i) => held.has(identifierKey(i)))));
    if (waits.size === 0) return { plan: planned.first, shielded };
    return {
      plan: { ...planned.first, store: store.filter((r) => !waits.has(r)), link: link.filter((r) => !waits.has(r)), later: [...planned.first.later, ...waits].sort((a, b) => a.at - b.at) },
      shielded,
    };
  }

  /**
   * Splits a round of a batch: the records that can be stored together now as new children (with
   * their review items); those certain enough of one existing child to be linked to it; those that
   * must wait for the next round, sharing an identifier or enough blocking values with an earlier
   * record of the round; and those that go the single way, already known to the source or near a
   * shielded child.
   */
  async #planSourceRound(round: readonly SourceBatchRecord[], shielded: ShieldedNeighbours): Promise<SourceRoundPlan> {
    if (round.length === 0) return { unchanged: [], store: [], link: [], later: [], single: [], waits: [] };
    const owners = new Map((await findIdentifierOwners(this.deps.db, round.map((c) => c.source))).map((o) => [identifierKey(o), o]));
    // Each record that must wait, with the earlier records of the round it waits for.
    const later = OnlineMatcher.blockedByEarlier(round.map((c) => c.probe.ranking));
    const holder = new Map<string, number>();
    round.forEach((c, i) => {
      for (const identifier of c.identifiers) {
        const key = identifierKey(identifier);
        const first = holder.get(key);
        if (first === undefined) holder.set(key, i);
        else later.set(i, [...(later.get(i) ?? []), first]);
      }
    });
    // A record whose source id is known: unchanged since it was last sent, or an update (the single way).
    const unchanged: { at: number; childId: string }[] = [];
    const single = new Set<number>();
    round.forEach((c, i) => {
      const owner = owners.get(identifierKey(c.source));
      if (!owner) return;
      later.delete(i);
      if (owner.recordDigest?.equals(c.source.recordDigest)) unchanged.push({ at: c.at, childId: owner.childId });
      else single.add(i);
    });
    const done = new Set(unchanged.map((u) => u.at));
    const open = round.flatMap((c, i) => (single.has(i) || later.has(i) || done.has(c.at) ? [] : [i]));
    // upsertFromSource decides exactly whether a shield follows (#insert); a record the search
    // could show a shielded child for as a likely match goes that way.
    const nearShield = await shielded.near(open.map((i) => round[i]!.record.identity));
    const unshielded: number[] = [];
    open.forEach((i, k) => {
      if (nearShield.has(k)) single.add(i);
      else unshielded.push(i);
    });
    const scored = await this.#matcher.candidatesForEach(unshielded.map((i) => ({ identity: round[i]!.record.identity, sex: round[i]!.record.sex, blocking: round[i]!.probe })), this.deps.db);
    const store: SourceBatchPlan[] = [];
    const link: SourceBatchLink[] = [];
    unshielded.forEach((i, k) => {
      const decision = OnlineMatcher.decide(scored[k]!);
      // A shielded child among the matcher's candidates hands its shield on: that is the single way too.
      if (scored[k]!.some((c) => c.shielded)) single.add(i);
      else if (decision.kind === 'link') link.push({ ...round[i]!, to: decision.to });
      else store.push({ ...round[i]!, review: decision.kind === 'review' ? decision.review : [] });
    });
    // A record waiting for one that goes the single way goes the single way too, after it: it must
    // meet that record (and any shield it takes) in the index, not be stored before it.
    const waits: [number, number][] = [];
    for (const [i, waitsFor] of [...later].sort(([a], [b]) => a - b)) {
      const singles = waitsFor.filter((j) => single.has(j));
      if (singles.length === 0) continue;
      single.add(i);
      for (const j of singles) waits.push([round[i]!.at, round[j]!.at]);
    }
    return { unchanged, store, link, later: round.filter((_, i) => later.has(i) && !single.has(i)), single: round.filter((_, i) => single.has(i)), waits };
  }

  /**
   * Links each record to the child it was matched to, a few at a time, each in its own
   * transaction (as the single way would). A record whose child can no longer be linked (merged or
   * removed meanwhile), or whose identifier another delivery took first, is left out (undefined in
   * its place) for the single way to decide again.
   */
  async #linkSourceRecords(viewer: Viewer, system: string, links: readonly SourceBatchLink[], requestId: string | null): Promise<(SourceUpsert | DomainError | undefined)[]> {
    const outcomes: (SourceUpsert | DomainError | undefined)[] = [];
    await forEachAtMost(RECORDS_AT_ONCE, links.keys(), async (i) => {
      const { to, record, source } = links[i]!;
      outcomes[i] = (await this.#linkFromSource(viewer, to, system, record, source, requestId).catch((error: unknown) => (isUniqueViolation(error) ? null : domainErrorOrThrow(error)))) ?? undefined;
    });
    return outcomes;
  }

  /**
   * Stores a batch of new children from a source in one transaction: identities, identifiers,
   * review items and one audit entry each. A record holding an identifier another child already
   * has is left out (undefined in its place) for the single way to refuse with its field.
   */
  async #storeSourceBatch(viewer: Viewer, system: string, plans: readonly SourceBatchPlan[], requestId: string | null): Promise<(SourceUpsert | undefined)[]> {
    if (plans.length === 0) return [];
    return inTransaction(this.deps.db, async (tx) => {
      const owned = new Set((await findIdentifierOwners(tx, plans.flatMap((p) => p.identifiers))).map(identifierKey));
      const free = plans.map((p) => p.identifiers.every((i) => !owned.has(identifierKey(i))));
      const stored = plans.filter((_, i) => free[i]);
      const children: Child[] = stored.map(({ record, councilId }) => ({
        id: randomUUID(), responsibleCouncilId: councilId, recordTrigger: record.recordTrigger, triggerDate: record.triggerDate, sex: record.sex, unborn: record.unborn, shielded: false, identity: record.identity,
      }));
      await this.#children.storeNew(children, tx);
      await insertIdentifiersOfChildren(tx, stored.flatMap((p, i) => {
        const child = children[i]!;
        const sealed = this.#children.sealValuesOf(child, IDENTIFIER_COLUMN, p.identifiers.map((identifier) => identifier.value));
        return this.#identifierRowsFrom(p.identifiers, sealed).map((row) => ({ ...row, childId: child.id }));
      }));
      const now = this.deps.clock.now();
      await insertReviewItems(tx, stored.flatMap((p, i) => p.review.map((c) => ({ incomingChildId: children[i]!.id, existingChildId: c.childId, probability: c.probability, matchWeight: c.matchWeight, contributions: c.contributions, origin: 'feed' as const, createdAt: now }))));
      await this.deps.audit.recordMany(tx, stored.map((p, i) => ({ ...auditActor(viewer), action: 'create' as const, childId: children[i]!.id, basis: `feed from ${system}`, reason: p.record.recordTrigger, outcome: 'allowed' as const, requestId })));
      let next = 0;
      return free.map((isFree) => (isFree ? { childId: children[next++]!.id, created: true, changed: true } : undefined));
    });
  }

  /** The checks every record from a source passes before anything is read: throws the record's problems. */
  #checkFromSource(viewer: Viewer, source: RecordSource, input: ChildRecordInput): { system: string; sourceId: string; record: ValidChildRecord } {
    const system = source.system.trim();
    const sourceId = source.id.trim();
    const fields: Record<string, string> = {};
    if (!SOURCE_SYSTEM.test(system)) fields['sourceSystem'] = 'sourceSystem must be 1–64 letters, digits, spaces or . _ : -';
    if (!sourceId || sourceId.length > 100) fields['sourceId'] = 'sourceId must be 1–100 characters';
    let record: ValidChildRecord | undefined;
    try {
      record = validateChildRecord(input, this.#today());
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      Object.assign(fields, error.fields);
    }
    if (Object.keys(fields).length > 0 || !record) throw new ValidationError('Check the child record', fields);
    if (!maySendAs(viewer, system)) throw new ForbiddenError(`This client is not registered to send records as ${system}. Ask a Signpost administrator to add the source system to the client.`);
    return { system, sourceId, record };
  }

  /**
   * Automatic link (match probability at or above the link threshold): the existing child gains
   * this source's id and any identifiers no other child holds; the identity it has stays as it is
   * (the feed's spelling does not overwrite the record a council keeps). Audited as an update with
   * the probability. Null when the child is no longer linkable (shredded or merged meanwhile): the
   * caller then creates a record as usual.
   */
  async #linkFromSource(viewer: Viewer, to: MatchCandidate, system: string, record: ValidChildRecord, sourceIdentifier: SourceIdentifier, requestId: string | null): Promise<SourceUpsert | null> {
    return inTransaction(this.deps.db, async (tx) => {
      if (!(await lockChild(tx, to.childId)) || (await mergedInto(tx, to.childId)) !== null || !(await this.#children.read(to.childId, tx))) return null;
      await this.#addFreeIdentifiers(tx, to.childId, [...record.identifiers, { ...sourceIdentifier, linked: true }]);
      await this.deps.audit.record(tx, {
        ...auditActor(viewer), action: 'update', childId: to.childId, basis: `feed from ${system}: automatic match`,
        reason: `record linked to this child (match probability ${to.probability.toFixed(4)})`, outcome: 'allowed', requestId,
      });
      return { childId: to.childId, created: false, changed: true };
    });
  }

  /**
   * Adds the identifiers no child holds yet; one another child already holds stays with that child
   * (a link or a linked source's update is a match, not proof enough to take it away).
   */
  async #addFreeIdentifiers(tx: DbOrTx, childId: string, identifiers: readonly (LinkedIdentifier | SourceIdentifier)[]): Promise<number> {
    const wanted = await this.#identifierRows(tx, childId, identifiers);
    const held = new Set((await findIdentifierOwners(tx, wanted)).map((o) => `${o.kind}|${o.issuer}`));
    const free = wanted.filter((i) => !held.has(`${i.kind}|${i.issuer}`));
    await insertIdentifiers(tx, childId, free);
    return free.length;
  }

  /**
   * A changed record from a source id the child already has. The source that created the child
   * (or whose record it was before a merge took it) updates the record. A source linked to the
   * child later — by an automatic match, or by a merge — keeps to what its link did: it adds the
   * identifiers it carries that no child holds yet, and leaves the identity, the responsible
   * council and why the record exists as they are (its spelling, its own trigger and council would
   * otherwise rewrite the record, and two systems holding one child took turns doing so).
   */
  async #updateFromSource(viewer: Viewer, owner: { childId: string; linked: boolean }, record: ValidChildRecord, councilId: string, source: SourceIdentifier, requestId: string | null): Promise<SourceUpsert> {
    const { childId } = owner;
    return inTransaction(this.deps.db, async (tx) => {
      await setRecordDigest(tx, { issuer: source.issuer, lookup: this.#lookup(source) }, source.recordDigest);
      if (!(await lockChild(tx, childId))) throw new NotFoundError('No child has this source id');
      if (owner.linked) {
        if ((await this.#addFreeIdentifiers(tx, childId, record.identifiers)) === 0) return { childId, created: false, changed: false };
        await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId, basis: 'feed update from a linked source', reason: 'identifiers added; the record itself is kept', outcome: 'allowed', requestId });
        return { childId, created: false, changed: true };
      }
      const current = await this.#children.read(childId, tx);
      if (!current) throw new ConflictError('This child\'s record has been removed at the end of its retention period and cannot be updated');
      await this.#refuseTakenIdentifiers(tx, childId, record.identifiers);
      const facts = { id: childId, responsibleCouncilId: councilId, recordTrigger: record.recordTrigger, triggerDate: record.triggerDate, sex: record.sex, unborn: record.unborn };
      const identity = { ...record.identity, ...(current.identity.previousAddresses && { previousAddresses: current.identity.previousAddresses }) };
      // A new address pushes the old one into the history rather than losing it.
      if (JSON.stringify(current.identity.address) !== JSON.stringify(record.identity.address)) {
        identity.previousAddresses = [{ address: current.identity.address, from: null, to: this.#today() }, ...(current.identity.previousAddresses ?? [])].slice(0, 20);
      }
      const currentFacts = { id: current.id, responsibleCouncilId: current.responsibleCouncilId, recordTrigger: current.recordTrigger, triggerDate: current.triggerDate, sex: current.sex, unborn: current.unborn };
      const changed = JSON.stringify(currentFacts) !== JSON.stringify(facts) || JSON.stringify(canonicalIdentity(current.identity)) !== JSON.stringify(canonicalIdentity(identity));
      const newIdentifiers = await this.#identifierRows(tx, childId, record.identifiers);
      const known = new Set((await findIdentifierOwners(tx, newIdentifiers)).map((o) => `${o.kind}|${o.issuer}`));
      const toAdd = newIdentifiers.filter((i) => !known.has(`${i.kind}|${i.issuer}`));
      if (!changed && toAdd.length === 0) return { childId, created: false, changed: false };
      if (changed) await this.#children.replaceIdentity(tx, facts, identity);
      await insertIdentifiers(tx, childId, toAdd);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId, basis: viewer.kind === 'api-client' ? 'feed update' : 'practitioner entry', reason: 'record updated from its source', outcome: 'allowed', requestId });
      return { childId, created: false, changed: true };
    });
  }

  /**
   * The signpost look-up: decides access with the stated reason, writes the audit entry, and
   * returns the full record or, for a shielded child, only the shield summary. A child that does
   * not exist and one the viewer may not see give the same NotFoundError.
   *
   * A full look opens no transaction: BEGIN and COMMIT would be two more round trips on the
   * busiest page. It is three statements: the access facts with the child's sealed row (opened
   * only once access is decided), the signpost, and the rest of the record, which also writes the
   * look's audit entry and its CP-IS notices (data-modifying CTEs). So the entry, the notices and
   * that read commit together or not at all, before anything is returned: no audit, no data. Under
   * load that third statement serves the looks arriving together (see lookReads): one statement
   * and one commit for many looks' entries and the reads they record (in a transaction of its own
   * then, for PostgreSQL's generic plan). A refusal's entry is one
   * statement, committed before the error goes out.
   */
  async lookAt(viewer: Viewer, requestedId: string, reason: string, requestId: string | null): Promise<SignpostLook> {
    if (!isUuid(requestedId)) throw new NotFoundError('No child with this reference');
    const statedReason = reason.trim();
    if (!statedReason) throw new ValidationError('Say why you are looking at this child\'s record', { reason: 'Select or enter why you are looking at this record' });
    const { db } = this.deps;
    // A record merged into another answers as the surviving record.
    const q = { userId: viewer.kind === 'user' ? viewer.userId : null, today: this.#today(), now: this.deps.clock.now() };
    const found = await loadLookFacts(db, requestedId, q, (id, columns) => this.#children.readAlong(id, db, columns));
    if (!found) throw new NotFoundError('No child with this reference');
    const childId = found.read.facts.id;
    const decision = decideChildAccess(viewer, found.facts, 'signpost', statedReason);
    const entry = { ...auditActor(viewer), action: 'view' as const, childId, basis: decision.basis, reason: statedReason, requestId };
    if (!decision.allow) {
      await this.deps.audit.record(db, { ...entry, outcome: 'refused' });
      throw new NotFoundError('No child with this reference');
    }
    const child = found.read.open();
    if (!child) {
      // A shredded child's look is still recorded.
      await this.deps.audit.record(db, { ...entry, outcome: 'allowed' });
      throw new NotFoundError('No child with this reference');
    }
    if (decision.shieldSummaryOnly) {
      return inTransaction(db, async (tx): Promise<SignpostLook> => {
        await this.deps.audit.record(tx, { ...entry, outcome: 'allowed' });
        await this.deps.notifications.notifyLook(tx, viewer, childId, statedReason);
        return { kind: 'shielded', summary: await this.#summary(tx, child) };
      });
    }
    const audit = this.deps.audit.stamp({ ...entry, outcome: 'allowed' });
    // The signpost has read the child's flags, which decide the CP-IS notices.
    const record = await this.#record(child, async (signpost) => ({
      audit,
      notices: await this.deps.notifications.noticesOfLook(db, viewer, childId, statedReason, flagFacts(signpost)),
    }));
    return { kind: 'full', record };
  }

  /** Shields a child. Only the responsible council's social workers, MASH officers and administrators may. */
  async shield(viewer: Viewer, childId: string, input: ShieldInput, requestId: string | null): Promise<void> {
    const fields: Record<string, string> = {};
    const reason = input.reason.trim();
    const decidedBy = input.decidedBy.trim();
    const reviewOn = input.reviewOn.trim();
    const today = this.#today();
    if (!reason || reason.length > 1000) fields['reason'] = 'Enter why the child is shielded (1000 characters or fewer)';
    if (!decidedBy || decidedBy.length > 200) fields['decidedBy'] = 'Enter the name and role of the person who decided';
    if (!isCalendarDate(reviewOn)) fields['reviewOn'] = 'Enter a review date as a real date';
    else if (reviewOn <= today || reviewOn > addYears(today, 1)) fields['reviewOn'] = 'The review date must be in the next 12 months';
    if (Object.keys(fields).length > 0) throw new ValidationError('Check the shield', fields);
    await inTransaction(this.deps.db, async (tx) => {
      const child = await this.#councilOnly(tx, viewer, childId);
      const sealedReason = await this.#children.sealValue(tx, childId, SHIELD_REASON_COLUMN, reason);
      if (!sealedReason) throw new ConflictError('This child\'s record has been removed and cannot be shielded');
      await saveShield(tx, { childId, councilId: child.responsible_council_id, reason: sealedReason, decidedBy, decidedOn: today, reviewOn, setByUserId: viewer.kind === 'user' ? viewer.userId : null });
      if (viewer.kind === 'user') await addSealHolder(tx, childId, viewer.userId, viewer.userId);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId, basis: 'responsible council', reason: 'shield set', outcome: 'allowed', requestId });
    });
  }

  async removeShield(viewer: Viewer, childId: string, requestId: string | null): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      await this.#councilOnly(tx, viewer, childId);
      await removeShield(tx, childId);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId, basis: 'responsible council', reason: 'shield removed', outcome: 'allowed', requestId });
    });
  }

  /** Names a user of the responsible council who may see the shielded child's whole record. */
  async addSealHolder(viewer: Viewer, childId: string, userId: string, requestId: string | null): Promise<void> {
    if (!isUuid(userId)) throw new ValidationError('Choose a user', { userId: 'Choose a user' });
    await inTransaction(this.deps.db, async (tx) => {
      await this.#councilOnly(tx, viewer, childId);
      if (!(await findShield(tx, childId))) throw new ConflictError('Only a shielded child has seal-holders');
      await addSealHolder(tx, childId, userId, viewer.kind === 'user' ? viewer.userId : null);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId, basis: 'responsible council', reason: 'seal-holder named', outcome: 'allowed', requestId });
    });
  }

  /** Records (or, with null, lifts) a legal hold that keeps the record past its retention date. */
  async setLegalHold(viewer: Viewer, childId: string, reason: string | null, requestId: string | null): Promise<void> {
    const clean = reason?.trim() ?? null;
    if (clean !== null && (clean.length === 0 || clean.length > 200)) throw new ValidationError('Check the legal hold', { reason: 'Enter the reason for the legal hold (200 characters or fewer)' });
    await inTransaction(this.deps.db, async (tx) => {
      await this.#councilOnly(tx, viewer, childId);
      await setLegalHold(tx, childId, clean);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId, basis: 'responsible council', reason: clean ? 'legal hold recorded' : 'legal hold lifted', outcome: 'allowed', requestId });
    });
  }

  async #councilOnly(tx: DbOrTx, viewer: Viewer, childId: string) {
    const child = isUuid(childId) ? await lockChild(tx, childId) : undefined;
    if (!child) throw new NotFoundError('No child with this reference');
    if (viewer.kind !== 'user' || viewer.organisationId !== child.responsible_council_id || !SHIELDING_ROLES.has(viewer.role)) {
      throw new ForbiddenError('Only the responsible council\'s social workers, MASH officers and administrators can change this');
    }
    return child;
  }

  async #summary(db: DbOrTx, child: Child): Promise<ShieldSummary> {
    // Who to ask is the council that decided the shield; it may not be the child's own council
    // when the shield followed a likely match from another agency's record.
    const shield = await findShield(db, child.id);
    const council = (shield ? await this.#signposts.councilContact(shield.council_id, db) : null) ?? (await this.#signposts.responsibleCouncilOf(child.id, db));
    if (!council) throw new NotFoundError('No child with this reference');
    return { childId: child.id, givenNames: child.identity.givenNames, familyName: child.identity.familyName, dateOfBirth: child.identity.dateOfBirth, sex: child.sex, council };
  }

  #record(child: Child, writesFor: (signpost: Signpost) => Promise<LookWrites>): Promise<ChildRecordView> {
    return readChildRecordView({ children: this.#children, signposts: this.#signposts, retentionMonths: this.deps.retentionMonths, lookReads: this.#lookReads }, this.deps.db, child, this.#today(), writesFor);
  }

  /** Users named as seal-holders for a child, for the responsible council's shield page. */
  sealHolders(childId: string) {
    return listSealHolders(this.deps.db, childId);
  }

  async #councilId(code: string): Promise<string> {
    const council = await findOrganisationByCode(this.deps.db, code);
    if (!council || council.kind !== 'council') {
      throw new ValidationError('Check the responsible council', { responsibleCouncilCode: 'No council has this code; use a council code from GET /api/v1/organisations?kind=council' });
    }
    return council.id;
  }

  #lookup(identifier: Pick<LinkedIdentifier, 'kind' | 'issuer' | 'value'>): Buffer {
    const value = identifier.kind === 'upn' ? normaliseUpn(identifier.value) : identifier.value.trim();
    return this.#children.sealer.indexer.identifierLookup(identifier.kind, identifier.issuer, value);
  }

  /** Identifier rows sealed under the child's key (none when the child has been shredded). */
  async #identifierRows(db: DbOrTx, childId: string, identifiers: readonly (LinkedIdentifier | SourceIdentifier)[]): Promise<IdentifierRow[]> {
    const sealed = await this.#children.sealValues(db, childId, IDENTIFIER_COLUMN, identifiers.map((i) => i.value));
    return sealed ? this.#identifierRowsFrom(identifiers, sealed) : [];
  }

  #identifierRowsFrom(identifiers: readonly (LinkedIdentifier | SourceIdentifier)[], sealed: readonly Buffer[]): IdentifierRow[] {
    return identifiers.map((identifier, i) => ({
      kind: identifier.kind, issuer: identifier.issuer, lookup: this.#lookup(identifier), value: sealed[i]!, validFrom: identifier.validFrom, validTo: identifier.validTo,
      recordDigest: 'recordDigest' in identifier ? identifier.recordDigest : null,
      linked: 'linked' in identifier && identifier.linked === true,
    }));
  }

  /** A source's id for the record it sends, with that record's digest (what `upsertFromSource` compares the next delivery with). */
  #sourceIdentifier(system: string, sourceId: string, record: ValidChildRecord): SourceIdentifier {
    return { kind: 'source_system', issuer: system, value: sourceId, validFrom: record.triggerDate, validTo: null, recordDigest: this.#children.sealer.indexer.sourceRecordDigest(JSON.stringify(record)) };
  }

  /** A UPN or council id already held by another child is refused, naming the field. */
  async #refuseTakenIdentifiers(db: DbOrTx, childId: string | null, identifiers: readonly LinkedIdentifier[]): Promise<void> {
    const owners = await findIdentifierOwners(db, identifiers.map((i) => ({ kind: i.kind, issuer: i.issuer, lookup: this.#lookup(i) })));
    const clash = owners.find((o) => o.childId !== childId);
    if (!clash) return;
    const field = clash.kind === 'upn' ? 'upn' : clash.kind === 'council_child_id' ? 'councilChildId' : 'policeReference';
    throw new ValidationError('Check the identifiers', { [field]: `This ${field} already belongs to another child known to services; search for that child instead` });
  }

  async #insert(tx: DbOrTx, viewer: Viewer, record: ValidChildRecord, councilId: string, extraIdentifiers: readonly SourceIdentifier[], matches: readonly ChildSearchResult[], scored: readonly MatchCandidate[] = []): Promise<string> {
    const childId = randomUUID();
    // A shield follows from a likely match found either way: the search's or the matcher's.
    const shieldedMatch = matches.find((m) => m.shielded) ?? scored.find((m) => m.shielded);
    const child: Child = { id: childId, responsibleCouncilId: councilId, recordTrigger: record.recordTrigger, triggerDate: record.triggerDate, sex: record.sex, unborn: record.unborn, shielded: false, identity: record.identity };
    await this.#children.storeNew([child], tx);
    const identifiers = [...record.identifiers, ...extraIdentifiers];
    await insertIdentifiers(tx, childId, this.#identifierRowsFrom(identifiers, this.#children.sealValuesOf(child, IDENTIFIER_COLUMN, identifiers.map((i) => i.value))));
    if (shieldedMatch) await this.#followShield(tx, viewer, shieldedMatch.childId, childId);
    return childId;
  }

  /**
   * ContactPoint's failure was feeds creating unshielded duplicates of shielded children. A new
   * record that is likely a shielded child takes that child's shield (and seal-holders' council).
   */
  async #followShield(tx: DbOrTx, viewer: Viewer, fromChildId: string, toChildId: string): Promise<void> {
    const source = await findShield(tx, fromChildId);
    const from = (await findAccessFacts(tx, [fromChildId], null)).get(fromChildId);
    const reason = await this.#children.sealValue(tx, toChildId, SHIELD_REASON_COLUMN, 'Shield followed from a likely matching record; the responsible council will review it');
    if (!reason) return;
    const today = this.#today();
    await saveShield(tx, {
      childId: toChildId,
      councilId: source?.council_id ?? from?.responsibleCouncilId ?? (await lockChild(tx, toChildId))!.responsible_council_id,
      reason,
      decidedBy: 'Signpost: shield follows a likely match',
      decidedOn: today,
      reviewOn: source && source.review_on > today ? source.review_on : addYears(today, 1),
      setByUserId: viewer.kind === 'user' ? viewer.userId : null,
    });
  }
}

/**
 * Identity in a stable shape for comparison as JSON: fields in a fixed order, whatever order the
 * object was built in, and absent and empty lists the same.
 */
function canonicalIdentity(identity: ChildIdentity) {
  return {
    givenNames: identity.givenNames,
    familyName: identity.familyName,
    formerFamilyNames: identity.formerFamilyNames,
    dateOfBirth: identity.dateOfBirth,
    address: identity.address,
    nhsNumber: identity.nhsNumber,
    previousAddresses: identity.previousAddresses ?? [],
    parentsCarers: identity.parentsCarers ?? [],
  };
}

/** The signpost's flags as the CP-IS rule reads them (every kind; the rule picks its own). */
function flagFacts(signpost: Signpost): FlagFact[] {
  return signpost.flags.map((f) => ({ kind: f.kind, responsibleCouncilId: f.council.councilId, startedOn: f.startedOn, endedOn: f.endedOn }));
}

/**
 * Records of a batch going the single way, grouped so that a record waiting for another goes after
 * it: chains run side by side, each in record order (a union of "waits for" pairs).
 */
class SingleWayChains {
  readonly #parent = new Map<number, number>();

  join(at: number, after: number): void {
    const a = this.#root(at);
    const b = this.#root(after);
    if (a !== b) this.#parent.set(Math.max(a, b), Math.min(a, b));
  }

  /** The positions in chains, each chain in order, chains in the order of their first record. */
  of(positions: readonly number[]): number[][] {
    const chains = new Map<number, number[]>();
    for (const at of [...positions].sort((a, b) => a - b)) {
      const root = this.#root(at);
      const chain = chains.get(root);
      if (chain) chain.push(at);
      else chains.set(root, [at]);
    }
    return [...chains.values()];
  }

  #root(at: number): number {
    let root = at;
    for (let up = this.#parent.get(root); up !== undefined; up = this.#parent.get(root)) root = up;
    return root;
  }
}

/** An identifier's kind, issuer and keyed lookup as one string, to compare identifiers by. */
function identifierKey(identifier: { kind: string; issuer: string; lookup: Buffer }): string {
  return `${identifier.kind}|${identifier.issuer}|${identifier.lookup.toString('base64')}`;
}

/** A DomainError is the record's own problem; anything else is the server's and goes on up. */
function domainErrorOrThrow(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  throw error;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
