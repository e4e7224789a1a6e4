import type { DbOrTx } from '../platform/db/database.js';
import type { ChildrenService } from '../children/children.service.js';
import type { Child, ChildIdentity, Sex } from '../children/child-identity.js';
import { blockingWeights, type BlindIndexEntry, type BlindIndexKind, type BlockingProbe, type BlockingRule } from '../children/blind-index.js';
import { DEFAULT_THRESHOLD } from './batch.js';
import { childMatchRecord } from './child-match-record.js';
import type { Contribution, Explanation, Scorer } from './model.js';
import { twinOrKnownByMiddleNameLevels } from './comparisons.js';

/**
 * The two online thresholds, declared before any data was scored.
 *
 * - At or above AUTO_LINK_THRESHOLD a feed's record is linked to the existing child without a
 *   person: the batch operating point (p ≥ 0.99), where precision was ≥ 0.999 on every evaluation
 *   set. A false merge is the costly error, so nothing below it is automatic.
 * - From REVIEW_THRESHOLD up to the link threshold the record is created AND the pair goes to the
 *   review queue. 0.01, far below 0.5: probabilities start from the prior of two random records
 *   being one child (≈1 in 500,000), so a child who moved house, with the same name and date of
 *   birth, scores only a few percent; a missed duplicate is how a shielded child gets an
 *   unshielded second record, and a review costs a person a minute. Siblings and twins score
 *   well below it (twins are vetoed outright).
 * - A pair is queued only if the person fields (names and date of birth) are, on balance, for a
 *   match: address and postcode together are worth ~30 bits, so without this every two children
 *   of one household would reach the queue on their shared home alone.
 * - Automatic links also need AUTO_LINK_PERSON_BITS from the names, date of birth and sex alone.
 *   Address, postcode and town are not independent (an exact address implies the postcode and the
 *   town) yet the model adds all three, ≈35 bits: on a seeded 100k index 16 pairs of different
 *   children (twins with different surnames, siblings a year apart, a boy and a girl with
 *   similar-sounding names) scored ≥ 0.99 on their shared home. With this rule none did, and
 *   1,953 of 1,959 true pairs above 0.99 still linked (the rest go to review).
 * - Two different NHS numbers, or two different recorded sexes, never link automatically, whatever
 *   the rest says: the pair is reviewed instead (a keying slip in one of them is for a person to
 *   find, not for the matcher).
 * - Nor does a pair with one family name and date of birth whose first names meet only through a
 *   middle name, unless the NHS numbers agree: one child known by a middle name, or twins, one
 *   named after the other's middle name (`twinOrKnownByMiddleNameLevels` in comparisons.ts).
 */
export const AUTO_LINK_THRESHOLD = DEFAULT_THRESHOLD;
export const REVIEW_THRESHOLD = 0.01;
export const AUTO_LINK_PERSON_BITS = 12;

/**
 * Blocking in PostgreSQL: a candidate must share blind-index values worth at least the rule's
 * minScore — a date of birth (exact, or day↔month swapped) with the family-name sound and birth
 * year, or a date of birth (or the sound and year) with the postcode, or an NHS number alone (or
 * three family-name sounds in the birth year: a double-barrelled name). Names on their own are not
 * blocking keys: the posting lists of common names and name sounds run to thousands of children
 * and cost more than everything else together (measured: the blocking query took 3 ms at 100k
 * children without them, 9–16 ms with them). A pair these keys miss (a child who moved AND changed
 * surname or mistyped the date of birth, with no NHS number) is still found by `signpost match
 * dedupe`, which blocks on exact date of birth and on sound + year across the whole index.
 *
 * Candidates are found through keys that are each enough on their own (COMPOSITE_KINDS in
 * blind-index.ts), one for every way a candidate can reach the score: NHS number (3); date of
 * birth with a sound (2 + 1, dob_family_metaphone) or with the postcode (2 + 2, dob_postcode);
 * postcode with a sound in the year (2 + 1, postcode_year_family_metaphone); three sounds in the
 * year (1 + 1 + 1, year_family_metaphone_triple). Each is shared by a handful of children at any
 * scale, where a date of birth alone is shared by about 330 at 1M and a sound in a year by
 * hundreds: reading those posting lists and grouping them by child was most of a feed batch's
 * time at 1M. The score is then worked out from the keys each candidate matched (or, for the few
 * found by an NHS number or sounds alone, from its own values), so the candidates and their order
 * are what the rule gives (online-match.test.ts holds the two together).
 */
export const BLOCKING_RULE: Readonly<BlockingRule> = { dob: 2, postcode: 2, nhsNumber: 3, sound: 1, minScore: 3 };
/** The rule's weight for each blind-index kind it counts. */
export const BLOCKING_WEIGHTS: Readonly<Partial<Record<BlindIndexKind, number>>> = blockingWeights(BLOCKING_RULE);

/** Children read and scored per incoming record: the best-blocked ones (most shared keys). */
export const CANDIDATE_LIMIT = 20;

export interface MatchCandidate {
  childId: string;
  probability: number;
  matchWeight: number;
  /** What each comparison contributed, in bits (no values: safe to store and show). */
  contributions: Contribution[];
  shielded: boolean;
}

export type MatchDecision =
  | { kind: 'link'; to: MatchCandidate; review: MatchCandidate[] }
  | { kind: 'review'; review: MatchCandidate[] }
  | { kind: 'new' };

/**
 * Matches one incoming record against the index: candidates from the keyed blind-index blocking
 * keys in PostgreSQL (the database never sees a name), opened and scored with the product's
 * trained model, best first. Nothing here logs or throws identity values.
 */
export class OnlineMatcher {
  constructor(private readonly deps: { children: ChildrenService; scorer: Scorer }) {}

  /** Candidates scoring at least REVIEW_THRESHOLD, most likely first. */
  async candidates(identity: ChildIdentity, sex: Sex, options: { db?: DbOrTx; exclude?: readonly string[] } = {}): Promise<MatchCandidate[]> {
    const blocked = await this.blocked(identity, options.db);
    const exclude = new Set(options.exclude ?? []);
    const children = await this.deps.children.readMany(blocked.map((b) => b.childId).filter((id) => !exclude.has(id)), options.db);
    return this.#score(identity, sex, children);
  }

  /**
   * {@link candidates} for a batch of incoming records (a feed's), in order: one blocking query and
   * one read for the whole batch, each blocked child opened once however many records it blocks with.
   * `blocking` is the record's {@link blockingProbe}, when the caller has it already.
   */
  async candidatesForEach(incoming: readonly { identity: ChildIdentity; sex: Sex; blocking?: BlockingProbe }[], db?: DbOrTx): Promise<MatchCandidate[][]> {
    const blocked = await this.blockedForEach(incoming.map((r) => r.blocking ?? this.blockingProbe(r.identity)), db);
    const opened = new Map((await this.deps.children.readMany([...new Set(blocked.flat().map((b) => b.childId))], db)).map((c) => [c.id, c]));
    return incoming.map((r, i) => this.#score(r.identity, r.sex, blocked[i]!.flatMap((b) => opened.get(b.childId) ?? [])));
  }

  /** The blocking step alone: children sharing enough blocking keys, best-blocked first. */
  async blocked(identity: ChildIdentity, db?: DbOrTx): Promise<{ childId: string; hits: number }[]> {
    return (await this.blockedForEach([this.blockingProbe(identity)], db))[0]!;
  }

  /** {@link blocked} for many records' {@link blockingProbe}s in one query: one list per probe, in order. */
  blockedForEach(probes: readonly BlockingProbe[], db?: DbOrTx): Promise<{ childId: string; hits: number }[][]> {
    return this.deps.children.findCandidatesForEach(probes, { limit: CANDIDATE_LIMIT, rule: BLOCKING_RULE }, db);
  }

  /**
   * The record's blocking (keyed blind-index values: no identity in them): the keys its candidates
   * are found by, and its values of the rule's kinds, which rank them.
   */
  blockingProbe(identity: ChildIdentity): BlockingProbe {
    const fields = { familyName: identity.familyName, dateOfBirth: identity.dateOfBirth, nhsNumber: identity.nhsNumber, postcode: identity.address.kind === 'known' ? identity.address.postcode : null };
    const ranking = this.deps.children.probe(fields).filter((e) => BLOCKING_WEIGHTS[e.kind] !== undefined);
    return { keys: this.deps.children.blockingKeys(fields), ranking };
  }

  /**
   * The records in a batch that share enough blocking values with an earlier record of the same
   * batch to be blocked with it, were it stored, each with the positions of those earlier records:
   * such a record must be matched only once they are in the index, as it would be had the records
   * come one by one.
   */
  static blockedByEarlier(batch: readonly (readonly BlindIndexEntry[])[]): Map<number, number[]> {
    const earlier = new Map<string, number[]>();
    const blocked = new Map<number, number[]>();
    batch.forEach((entries, i) => {
      const shared = new Map<number, number>();
      for (const e of entries) {
        const key = `${e.kind}:${e.value.toString('base64')}`;
        const holders = earlier.get(key);
        if (holders) for (const j of holders) shared.set(j, (shared.get(j) ?? 0) + (BLOCKING_WEIGHTS[e.kind] ?? 0));
        else earlier.set(key, []);
        earlier.get(key)!.push(i);
      }
      const by = [...shared].flatMap(([j, score]) => (score >= BLOCKING_RULE.minScore ? [j] : []));
      if (by.length > 0) blocked.set(i, by);
    });
    return blocked;
  }

  #score(identity: ChildIdentity, sex: Sex, children: readonly Child[]): MatchCandidate[] {
    const incoming = childMatchRecord(identity, sex, 0);
    const out: MatchCandidate[] = [];
    for (const child of children) {
      const explanation = this.deps.scorer.explain(incoming, childMatchRecord(child.identity, child.sex, 1));
      if (!worthReviewing(explanation)) continue;
      out.push({ childId: child.id, probability: explanation.probability, matchWeight: explanation.matchWeight, contributions: explanation.contributions, shielded: child.shielded });
    }
    return out.sort((a, b) => b.matchWeight - a.matchWeight || a.childId.localeCompare(b.childId));
  }

  /** What to do with an incoming record, given its candidates. */
  static decide(candidates: readonly MatchCandidate[]): MatchDecision {
    const linkable = candidates.filter(
      (c) => c.probability >= AUTO_LINK_THRESHOLD && !differentIdentifiers(c) && !mayBeTwins(c) && personEvidence(c.contributions, true) >= AUTO_LINK_PERSON_BITS,
    );
    // Two existing records both certain to be this child means the index already holds a
    // duplicate: no automatic choice between them, a person decides.
    if (linkable.length === 1) {
      const to = linkable[0]!;
      return { kind: 'link', to, review: candidates.filter((c) => c !== to) };
    }
    if (candidates.length > 0) return { kind: 'review', review: [...candidates] };
    return { kind: 'new' };
  }
}

function differentIdentifiers(candidate: MatchCandidate): boolean {
  return candidate.contributions.some((c) => (c.comparison === 'identifier' && c.level !== 'exact' && c.level !== 'missing') || (c.comparison === 'sex' && c.level === 'different'));
}

function mayBeTwins(candidate: MatchCandidate): boolean {
  return twinOrKnownByMiddleNameLevels(Object.fromEntries(candidate.contributions.map((c) => [c.comparison, c.level])));
}

/** At or above the review threshold, and the names and date of birth are on balance for a match. */
export function worthReviewing(explanation: Pick<Explanation, 'probability' | 'contributions'>): boolean {
  return explanation.probability >= REVIEW_THRESHOLD && personEvidence(explanation.contributions) > 0;
}

const PERSON_COMPARISONS: ReadonlySet<string> = new Set(['given_name', 'family_name', 'dob']);

/** Bits the names and date of birth (and, if asked, sex) contribute, leaving out where the child lives. */
function personEvidence(contributions: readonly Contribution[], withSex = false): number {
  return contributions.reduce((sum, c) => sum + (PERSON_COMPARISONS.has(c.comparison) || (withSex && c.comparison === 'sex') ? c.weight : 0), 0);
}
