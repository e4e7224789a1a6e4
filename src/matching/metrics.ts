/**
 * Accuracy measures for a clustering against known truth. Pairwise figures come from the
 * contingency table of predicted cluster × true entity (TP = Σ C(n_ij, 2)); when two files are
 * linked only pairs across the files count. B-cubed is given beside them, never alone.
 */
export interface PairwiseScores {
  truePositives: number;
  predictedPairs: number;
  truePairs: number;
  precision: number;
  recall: number;
  f1: number;
}

const f1Of = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
const ratio = (x: number, y: number): number => (y === 0 ? 1 : x / y);
const choose2 = (k: number): number => (k * (k - 1)) / 2;

function countBy(keys: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Pairs implied by groups; for linking, a group of a records from file 1 and b from file 2 gives a·b. */
function pairsIn(groupOf: ArrayLike<number | string>, sources: ArrayLike<number> | null): Map<string, number> {
  const keys: string[] = [];
  for (let i = 0; i < groupOf.length; i += 1) keys.push(sources ? `${String(groupOf[i])}|${String(sources[i])}` : String(groupOf[i]));
  return countBy(keys);
}

function totalPairs(counts: Map<string, number>, link: boolean): number {
  let total = 0;
  if (!link) {
    for (const n of counts.values()) total += choose2(n);
    return total;
  }
  for (const [key, n] of counts) if (key.endsWith('|0')) total += n * (counts.get(`${key.slice(0, -2)}|1`) ?? 0);
  return total;
}

/** Pairwise precision/recall/F1 of predicted clusters against true entities. */
export function pairwiseScores(predicted: ArrayLike<number>, truth: ArrayLike<string>, sources: ArrayLike<number> | null = null): PairwiseScores {
  const link = sources !== null;
  const joint: string[] = [];
  for (let i = 0; i < predicted.length; i += 1) joint.push(`${String(predicted[i])}#${String(truth[i])}`);
  const truePositives = totalPairs(pairsIn(joint, sources), link);
  const predictedPairs = totalPairs(pairsIn(predicted, sources), link);
  const truePairs = totalPairs(pairsIn(truth, sources), link);
  const precision = ratio(truePositives, predictedPairs);
  const recall = ratio(truePositives, truePairs);
  return { truePositives, predictedPairs, truePairs, precision, recall, f1: f1Of(precision, recall) };
}

/** B-cubed precision, recall and F1: per-record overlap of its cluster with its true entity. */
export function bCubed(predicted: ArrayLike<number>, truth: ArrayLike<string>): { precision: number; recall: number; f1: number } {
  const n = predicted.length;
  if (n === 0) return { precision: 1, recall: 1, f1: 1 };
  const clusterSize = countBy(Array.from(predicted, String));
  const entitySize = countBy(Array.from(truth, String));
  const both = countBy(Array.from({ length: n }, (_, i) => `${String(predicted[i])}#${String(truth[i])}`));
  let p = 0;
  let r = 0;
  for (let i = 0; i < n; i += 1) {
    const overlap = both.get(`${String(predicted[i])}#${String(truth[i])}`) ?? 0;
    p += overlap / (clusterSize.get(String(predicted[i])) ?? 1);
    r += overlap / (entitySize.get(String(truth[i])) ?? 1);
  }
  return { precision: p / n, recall: r / n, f1: f1Of(p / n, r / n) };
}

/** Predicted clusters that join two or more true people: the costly error. */
export function overMerges(predicted: ArrayLike<number>, truth: ArrayLike<string>): number {
  const entities = new Map<number, Set<string>>();
  for (let i = 0; i < predicted.length; i += 1) {
    const set = entities.get(predicted[i] as number) ?? new Set<string>();
    set.add(truth[i] as string);
    entities.set(predicted[i] as number, set);
  }
  let count = 0;
  for (const s of entities.values()) if (s.size >= 2) count += 1;
  return count;
}

/**
 * Edge metrics over scored pairs. True pairs that blocking never produced are misses at every
 * threshold, so recall here is never better than blocking recall.
 */
export function edgeScores(probabilities: ArrayLike<number>, isTrue: ArrayLike<boolean>, truePairs: number, threshold: number): PairwiseScores {
  let tp = 0;
  let predictedPairs = 0;
  for (let p = 0; p < probabilities.length; p += 1) {
    if ((probabilities[p] as number) >= threshold) {
      predictedPairs += 1;
      if (isTrue[p]) tp += 1;
    }
  }
  const precision = ratio(tp, predictedPairs);
  const recall = ratio(tp, truePairs);
  return { truePositives: tp, predictedPairs, truePairs, precision, recall, f1: f1Of(precision, recall) };
}

/** The best edge F1 over all thresholds: an oracle that needs labels, reported apart. */
export function bestEdgeF1(probabilities: ArrayLike<number>, isTrue: ArrayLike<boolean>, truePairs: number): { f1: number; threshold: number } {
  const order = Array.from({ length: probabilities.length }, (_, i) => i).sort((x, y) => (probabilities[y] as number) - (probabilities[x] as number));
  let tp = 0;
  let best = { f1: 0, threshold: 1 };
  for (let k = 0; k < order.length; k += 1) {
    const p = order[k] as number;
    if (isTrue[p]) tp += 1;
    const next = order[k + 1];
    // Only cut between distinct scores: ties are all in or all out.
    if (next !== undefined && probabilities[next] === probabilities[p]) continue;
    const f1 = f1Of(tp / (k + 1), ratio(tp, truePairs));
    if (f1 > best.f1) best = { f1, threshold: probabilities[p] as number };
  }
  return best;
}

/** One band of predicted match probability and how often its pairs were in truth the same person. */
export interface CalibrationBand {
  from: number;
  to: number;
  pairs: number;
  mean_predicted: number;
  observed: number;
}

/** Band edges: fine near 1, where the operating point is and where a miscalibration costs most. */
export const CALIBRATION_EDGES = [0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1] as const;

/**
 * Whether a probability means what it says, over the scored candidate pairs: per band, the mean
 * predicted probability beside the share of pairs that were truly one person; the Brier score
 * (mean squared error, 0 is perfect); and the expected calibration error (the bands' gaps weighted
 * by their pairs). Pairs blocking never produced are not scored and cannot be judged here.
 */
export function calibration(probabilities: ArrayLike<number>, isTrue: ArrayLike<boolean>): { brier: number; ece: number; bands: CalibrationBand[] } {
  const last = CALIBRATION_EDGES.length - 2;
  const sums = Array.from({ length: last + 1 }, () => ({ pairs: 0, predicted: 0, positives: 0 }));
  let squared = 0;
  for (let p = 0; p < probabilities.length; p += 1) {
    const q = probabilities[p] as number;
    const y = isTrue[p] ? 1 : 0;
    squared += (q - y) ** 2;
    let band = 0;
    while (band < last && q >= (CALIBRATION_EDGES[band + 1] as number)) band += 1;
    const s = sums[band]!;
    s.pairs += 1;
    s.predicted += q;
    s.positives += y;
  }
  const n = probabilities.length;
  let ece = 0;
  const bands = sums.map((s, b) => {
    const meanPredicted = s.pairs === 0 ? 0 : s.predicted / s.pairs;
    const observed = s.pairs === 0 ? 0 : s.positives / s.pairs;
    ece += n === 0 ? 0 : (s.pairs / n) * Math.abs(meanPredicted - observed);
    return { from: CALIBRATION_EDGES[b] as number, to: CALIBRATION_EDGES[b + 1] as number, pairs: s.pairs, mean_predicted: meanPredicted, observed };
  });
  return { brier: n === 0 ? 0 : squared / n, ece, bands };
}

/** The band table as text lines, for `match evaluate` and the product model's check: one heading, a line a band with pairs. */
export function calibrationTable(bands: readonly CalibrationBand[], truth: string): string[] {
  const lines = [`predicted        pairs  mean predicted  ${truth}`];
  for (const b of bands) {
    if (b.pairs === 0) continue;
    lines.push(`${`${String(b.from)}–${String(b.to)}`.padEnd(13)} ${String(b.pairs).padStart(8)}  ${b.mean_predicted.toFixed(4).padStart(14)}  ${b.observed.toFixed(4).padStart(truth.length)}`);
  }
  return lines;
}
