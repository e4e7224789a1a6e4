/**
 * Times online matching of one incoming record against the index in a data directory seeded with
 * `signpost seed --children N` (same --seed): the matcher's blind-index blocking query in
 * PostgreSQL, opening the candidates and scoring them, exactly as upsertFromSource calls it.
 * Incoming records are re-generated from the seed: near-duplicates (the generator's own), records
 * already held, and unseen children (from another seed). Prints counts and timings only.
 *
 *   SIGNPOST_DATA_DIR=/tmp/om100k node --import tsx scripts/measure-online-match.ts --children 100000 [--seed 2026] [--samples 300]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/platform/config/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { openRuntime } from '../src/app/runtime.js';
import { ChildrenService } from '../src/children/children.service.js';
import { generateChildren, type GeneratedChild } from '../src/demo/children-generator.js';
import { OnlineMatcher } from '../src/matching/online-match.js';
import { childScorer } from '../src/matching/child-model.js';

const { values } = parseArgs({ options: { children: { type: 'string' }, seed: { type: 'string', default: '2026' }, samples: { type: 'string', default: '300' }, today: { type: 'string' } } });
const count = Number(values.children);
const seed = Number(values.seed);
const samples = Number(values.samples);
const config = loadConfig(process.env);
const runtime = await openRuntime(config, createLogger({ logLevel: 'warn' }));
try {
  const children = new ChildrenService({ db: runtime.db, keys: runtime.keys });
  const held = await children.count();
  const matcher = new OnlineMatcher({ children, scorer: childScorer() });
  const today = values.today ?? new Date().toISOString().slice(0, 10);
  const pick: GeneratedChild[] = [];
  const step = Math.max(1, Math.floor(count / samples));
  for (const g of generateChildren({ seed, count, today })) if (g.seq % step === 0 || g.duplicateOf) pick.push(g);
  const duplicates = pick.filter((g) => g.duplicateOf).slice(0, Math.floor(samples / 3));
  const known = pick.filter((g) => !g.duplicateOf).slice(0, Math.floor(samples / 3));
  const unseen = [...generateChildren({ seed: seed + 7919, count: Math.floor(samples / 3), today })];
  const time = async (set: GeneratedChild[]) => {
    const ms: number[] = [];
    let withCandidates = 0;
    let foundTarget = 0;
    for (const g of set) {
      const started = process.hrtime.bigint();
      const found = await matcher.candidates(g.identity, g.sex);
      ms.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (found.length > 0) withCandidates += 1;
      // A near-duplicate should bring up the child it duplicates; a record already held, itself.
      if (found.some((c) => c.childId === (g.duplicateOf?.id ?? g.id))) foundTarget += 1;
    }
    ms.sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
    return { n: ms.length, withCandidates, foundTarget, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
  };
  await time(known.slice(0, 20)); // warm the pool and the caches
  console.log(JSON.stringify({ index: held, duplicates: await time(duplicates), known: await time(known), unseen: await time(unseen) }));
} finally {
  await runtime.close();
}
