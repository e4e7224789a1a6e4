import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseModel, Scorer, type MatchModel } from './model.js';

/**
 * The trained model the product matches children with (online and in `match dedupe`), versioned
 * in the repository beside the code that scores it. Trained by scripts/train-child-model.ts on the
 * seeded demo generator: synthetic children only, never real ones.
 */
export const CHILD_MODEL_PATH = fileURLToPath(new URL('./models/children-model.json', import.meta.url));

let loaded: Scorer | undefined;

/** The product's scorer; the file is read on first use (not at import) and kept. */
export function childScorer(): Scorer {
  loaded ??= new Scorer(parseModel(readFileSync(CHILD_MODEL_PATH, 'utf8')));
  return loaded;
}

/**
 * Term frequencies shared by fewer than `minCount` records are dropped: a missing value gets no
 * adjustment, which for a rare value only forgoes a bonus, and the model file stays small and
 * free of one-off values (no single synthetic name stands out in it).
 */
export function pruneTermFrequencies(tf: MatchModel['termFrequencies'], records: number, minCount = 5): MatchModel['termFrequencies'] {
  const out: MatchModel['termFrequencies'] = {};
  for (const [comparison, shares] of Object.entries(tf)) {
    out[comparison] = Object.fromEntries(Object.entries(shares).filter(([, share]) => share * records >= minCount - 1e-9));
  }
  return out;
}
