import { runMeasuredCli } from '../measured-cli.js';
import type { WorldContext } from '../world-context.js';

export interface DedupeBenchResult {
  seconds: number;
  pairsScored: number;
  pairsPerSecond: number;
  queued: number;
  peakRssMb: number;
}

/**
 * `signpost match dedupe` over the whole index, from the start (`--restart`, its own run name, so
 * an operator's saved position is untouched), once: at 1M children a run takes minutes. Pairs
 * already in the review queue are not queued again, so `queued` counts new pairs only.
 */
export async function benchDedupe(world: WorldContext): Promise<DedupeBenchResult> {
  const run = await runMeasuredCli(world.children, ['match', 'dedupe', '--restart', '--run', 'bench']);
  const finished = /Finished: (\d+) pairs scored, (\d+) new pairs/.exec(run.stdout);
  if (!finished) throw new Error('signpost match dedupe did not print its summary');
  const pairsScored = Number(finished[1]);
  return { seconds: Math.round(run.seconds * 10) / 10, pairsScored, pairsPerSecond: Math.round(pairsScored / run.seconds), queued: Number(finished[2]), peakRssMb: run.peakRssMb };
}
