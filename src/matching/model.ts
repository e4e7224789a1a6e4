import type { MatchRecord } from './match-record.js';
import { COMPARISONS, isEvidence, levelName, vetoRule } from './comparisons.js';

export const MODEL_FORMAT = 'signpost-match-model';
export const MODEL_VERSION = 1;

export interface LevelParameters {
  label: string;
  /** P(level | same person) */
  m: number;
  /** P(level | different people) */
  u: number;
}

/** A trained Fellegi–Sunter model; plain data so it can be stored as JSON and reloaded. */
export interface MatchModel {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  /** Probability that two records drawn at random are the same person. */
  prior: number;
  comparisons: { name: string; levels: LevelParameters[] }[];
  /** Share of records holding each value, per term-frequency-adjusted comparison. */
  termFrequencies: Record<string, Record<string, number>>;
  training: Record<string, number | string>;
}

export interface Contribution {
  comparison: string;
  level: string;
  /** Bits of evidence (log2 Bayes factor); positive is for a match. */
  weight: number;
}

export interface Explanation {
  matchWeight: number;
  probability: number;
  contributions: Contribution[];
}

/** Weight applied when a veto rule (twins, household namesakes) fires: outweighs any agreement. */
const VETO_WEIGHT = -40;
const VETO_REASONS = {
  twins: 'same family name and date of birth; given names clearly different, or not one name spelt twice and two different NHS numbers',
  household_namesakes: 'same name and address, dates of birth years apart',
} as const;
/** Bounds on the term-frequency adjustment so one odd value cannot dominate a decision. */
const TF_MIN = -6;
const TF_MAX = 8;

export function probabilityFromWeight(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

export function weightFromProbability(p: number): number {
  return Math.log2(p / (1 - p));
}

export function serialiseModel(model: MatchModel): string {
  return JSON.stringify(model, null, 2);
}

export function parseModel(json: string): MatchModel {
  const value = JSON.parse(json) as Partial<MatchModel>;
  if (value.format !== MODEL_FORMAT || value.version !== MODEL_VERSION) {
    throw new Error(`not a ${MODEL_FORMAT} version ${MODEL_VERSION} file (found ${String(value.format)} ${String(value.version)})`);
  }
  return value as MatchModel;
}

/**
 * The order bounded scoring compares in: cheap and decisive first (an NHS number that differs is
 * strong evidence against), the costly address similarity last, so most pairs out of reach stop
 * early.
 */
const BOUND_ORDER = ['identifier', 'dob', 'sex', 'postcode', 'email', 'phone', 'given_name', 'family_name', 'town', 'address'] as const;

/**
 * Scores record pairs with a trained model. Bayes factors are precomputed, so scoring a pair is
 * ten field comparisons and a sum.
 */
export class Scorer {
  readonly priorWeight: number;
  private readonly bayes: Float64Array[];
  private readonly exactU: number[];

  /** Comparison indexes in BOUND_ORDER. */
  private readonly boundOrder: number[];
  /** bestFrom[k]: the most the comparisons from boundOrder[k] on could still add (each at its best level; missing adds 0). */
  private readonly bestFrom: Float64Array;

  constructor(readonly model: MatchModel) {
    this.priorWeight = weightFromProbability(model.prior);
    this.bayes = COMPARISONS.map((c) => {
      const params = model.comparisons.find((p) => p.name === c.name);
      if (!params || params.levels.length !== c.levels.length) throw new Error(`model has no parameters for ${c.name}`);
      return Float64Array.from(params.levels, (l) => Math.log2(l.m / l.u));
    });
    this.boundOrder = BOUND_ORDER.map((name) => COMPARISONS.findIndex((c) => c.name === name));
    if (this.boundOrder.some((ci) => ci < 0) || new Set(this.boundOrder).size !== COMPARISONS.length) throw new Error('BOUND_ORDER must name every comparison once');
    this.bestFrom = new Float64Array(COMPARISONS.length + 1);
    for (let k = COMPARISONS.length - 1; k >= 0; k -= 1) {
      const ci = this.boundOrder[k]!;
      const tfLevel = COMPARISONS[ci]?.termFrequency?.level;
      const best = Math.max(0, ...Array.from(this.bayes[ci] ?? [], (w, level) => w + (level === tfLevel ? TF_MAX : 0)));
      this.bestFrom[k] = (this.bestFrom[k + 1] ?? 0) + best;
    }
    this.exactU = COMPARISONS.map((c) => {
      const params = model.comparisons.find((p) => p.name === c.name);
      return params?.levels[c.termFrequency?.level ?? 0]?.u ?? 1;
    });
  }

  /** Extra bits for agreeing on a rare value (negative for a very common one). */
  private tfAdjustment(ci: number, a: MatchRecord): number {
    const c = COMPARISONS[ci];
    const value = c?.termFrequency?.value(a);
    if (!c || !value) return 0;
    const share = this.model.termFrequencies[c.name]?.[value];
    if (share === undefined) return 0;
    const adjustment = Math.log2((this.exactU[ci] ?? 1) / share);
    return Math.min(TF_MAX, Math.max(TF_MIN, adjustment));
  }

  private fieldWeight(ci: number, level: number, a: MatchRecord): number {
    if (!isEvidence(level)) return 0;
    let w = this.bayes[ci]?.[level] ?? 0;
    if (COMPARISONS[ci]?.termFrequency?.level === level) w += this.tfAdjustment(ci, a);
    return w;
  }

  /** The match weight in bits: prior plus every comparison's evidence. */
  matchWeight(a: MatchRecord, b: MatchRecord): number {
    let w = this.priorWeight;
    for (let ci = 0; ci < COMPARISONS.length; ci += 1) {
      w += this.fieldWeight(ci, (COMPARISONS[ci] as (typeof COMPARISONS)[number]).compare(a, b), a);
    }
    if (vetoRule(a, b) !== null) w += VETO_WEIGHT;
    return w;
  }

  /**
   * The match weight if it is at least `minWeight`, else null, stopping as soon as the comparisons
   * left could not make up the difference even at their best levels. Exact, not a heuristic: null
   * means matchWeight(a, b) < minWeight. Whole-index scans use it to drop the many strangers who
   * merely share a date of birth after comparing their names, without the address comparisons.
   */
  matchWeightAtLeast(a: MatchRecord, b: MatchRecord, minWeight: number): number | null {
    let w = this.priorWeight;
    for (let k = 0; k < this.boundOrder.length; k += 1) {
      // The margin keeps float rounding in the bound from ever dropping a pair right at the line.
      if (w + this.bestFrom[k]! + 1e-9 < minWeight) return null;
      const ci = this.boundOrder[k]!;
      w += this.fieldWeight(ci, (COMPARISONS[ci] as (typeof COMPARISONS)[number]).compare(a, b), a);
    }
    // In reach: the weight again in the usual order (sums in another order can differ in the last
    // bit), with the veto, which only ever lowers it.
    const exact = this.matchWeight(a, b);
    return exact >= minWeight ? exact : null;
  }

  probability(a: MatchRecord, b: MatchRecord): number {
    return probabilityFromWeight(this.matchWeight(a, b));
  }

  /** The weight each comparison contributed, for a reviewer to see why a pair scored as it did. */
  explain(a: MatchRecord, b: MatchRecord): Explanation {
    const contributions: Contribution[] = [{ comparison: 'prior', level: 'two random records', weight: this.priorWeight }];
    COMPARISONS.forEach((c, ci) => {
      const level = c.compare(a, b);
      contributions.push({ comparison: c.name, level: levelName(c, level), weight: this.fieldWeight(ci, level, a) });
    });
    const veto = vetoRule(a, b);
    if (veto !== null) contributions.push({ comparison: `${veto}_rule`, level: VETO_REASONS[veto], weight: VETO_WEIGHT });
    const matchWeight = contributions.reduce((s, c) => s + c.weight, 0);
    return { matchWeight, probability: probabilityFromWeight(matchWeight), contributions };
  }
}
