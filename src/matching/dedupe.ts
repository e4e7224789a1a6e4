import { inTransaction, type Db } from '../platform/db/database.js';
import type { Clock } from '../platform/time/clock.js';
import type { ChildrenService } from '../children/children.service.js';
import type { Child } from '../children/child-identity.js';
import { insertReviewItems, type NewReviewItem } from '../match-review/match-review.repository.js';
import { childMatchRecord } from './child-match-record.js';
import type { MatchRecord } from './match-record.js';
import { weightFromProbability, type Scorer } from './model.js';
import { REVIEW_THRESHOLD, worthReviewing } from './online-match.js';
import { countBlockingRows, countRowsUpTo, createdAtOf, nextBlocks, openDedupeRun, saveDedupeProgress } from './dedupe.repository.js';

/**
 * Blocking keys the whole-index scan pairs children on: exact date of birth (catches name typos,
 * nicknames, moves, surname changes), family-name sound + year of birth (catches date slips and
 * day↔month swaps) and NHS number. Names alone would make blocks of every Smith.
 */
export const DEDUPE_BLOCKING_KINDS = ['dob', 'dob_year_family_metaphone', 'nhs_number'] as const;
/** Blocks larger than this are skipped (and counted): a block of n scores n²/2 pairs. */
const MAX_BLOCK = 200;
/** Blocks read, scored and written per transaction; the cursor moves with each batch. */
const BLOCKS_PER_BATCH = 2_000;
/** The match weight of the review threshold: pairs below it are not written. */
const REVIEW_WEIGHT = weightFromProbability(REVIEW_THRESHOLD);

export interface DedupeResult {
  rowsScanned: number;
  pairsScored: number;
  itemsWritten: number;
  oversizedBlocks: number;
  finished: boolean;
  resumed: boolean;
}

/**
 * `signpost match dedupe`: scans the whole index by blocking keys and writes every pair at or
 * above the review threshold — those above the automatic-link threshold too — to the review
 * queue. It never merges: a person decides. Resumable: the position (the last block's kind and
 * keyed value) is saved with each batch's review items in one transaction, so a run stopped at any
 * moment carries on from the last saved batch, and a pair already queued is not queued twice.
 */
export async function runDedupe(
  deps: { db: Db; children: ChildrenService; scorer: Scorer; clock: Clock },
  options: { runId?: string; restart?: boolean; maxBatches?: number; blocksPerBatch?: number; onProgress?: (stage: string, done: number, total: number) => void } = {},
): Promise<DedupeResult> {
  const kinds = DEDUPE_BLOCKING_KINDS;
  const run = await openDedupeRun(deps.db, options.runId ?? 'default', options.restart ?? false);
  const resumed = run.keysDone > 0 && run.finishedAt === null;
  if (run.finishedAt) return { rowsScanned: 0, pairsScored: run.pairsScored, itemsWritten: run.itemsWritten, oversizedBlocks: 0, finished: true, resumed: false };
  const total = await countBlockingRows(deps.db, kinds);
  let done = run.cursorKind !== null && run.cursorValue !== null ? await countRowsUpTo(deps.db, kinds, run.cursorKind, run.cursorValue) : 0;
  let rowsScanned = 0;
  let oversized = 0;
  let batches = 0;
  const scored = new Map<string, MatchRecord>();
  options.onProgress?.('dedupe', done, total);
  for (;;) {
    if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
    const after = run.cursorKind !== null && run.cursorValue !== null ? { kind: run.cursorKind, value: run.cursorValue } : null;
    const blocks = await nextBlocks(deps.db, kinds, after, options.blocksPerBatch ?? BLOCKS_PER_BATCH, MAX_BLOCK);
    if (blocks.length === 0) {
      run.finishedAt = deps.clock.now();
      await saveDedupeProgress(deps.db, run);
      break;
    }
    const pairs = blocks.filter((b) => b.size >= 2 && b.size <= MAX_BLOCK);
    oversized += blocks.filter((b) => b.size > MAX_BLOCK).length;
    const ids = [...new Set(pairs.flatMap((b) => b.childIds))];
    const children = new Map((await deps.children.readMany(ids)).map((c) => [c.id, c]));
    const created = await createdAtOf(deps.db, ids);
    const items: NewReviewItem[] = [];
    // A pair can come round twice in one batch only when both children sit in more than one of
    // its blocks (several name sounds, say); only those pairs are remembered, not the millions
    // of pairs in date-of-birth blocks, where every child has one block.
    const blocksOf = new Map<string, number>();
    for (const block of pairs) for (const id of block.childIds) blocksOf.set(id, (blocksOf.get(id) ?? 0) + 1);
    const seen = new Set<string>();
    scored.clear();
    const recordOf = (child: Child): MatchRecord => {
      let r = scored.get(child.id);
      if (!r) scored.set(child.id, (r = childMatchRecord(child.identity, child.sex)));
      return r;
    };
    for (const block of pairs) {
      for (let i = 0; i < block.childIds.length; i += 1) {
        for (let j = i + 1; j < block.childIds.length; j += 1) {
          const p = block.childIds[i]!;
          const q = block.childIds[j]!;
          const x = p < q ? p : q;
          const y = p < q ? q : p;
          if ((blocksOf.get(x) ?? 0) > 1 && (blocksOf.get(y) ?? 0) > 1) {
            const key = `${x}|${y}`;
            if (seen.has(key)) continue;
            seen.add(key);
          }
          const a = children.get(x);
          const b = children.get(y);
          if (!a || !b) continue;
          run.pairsScored += 1;
          const ra = recordOf(a);
          const rb = recordOf(b);
          // Most pairs are strangers sharing a date of birth: bounded scoring drops them after the
          // names; only pairs that reach the review threshold are explained.
          if (deps.scorer.matchWeightAtLeast(ra, rb, REVIEW_WEIGHT) === null) continue;
          const explanation = deps.scorer.explain(ra, rb);
          if (!worthReviewing(explanation)) continue;
          const [incoming, existing] = (created.get(x)?.getTime() ?? 0) > (created.get(y)?.getTime() ?? 0) ? [x, y] : [y, x];
          items.push({ incomingChildId: incoming, existingChildId: existing, probability: explanation.probability, matchWeight: explanation.matchWeight, contributions: explanation.contributions, origin: 'dedupe', createdAt: deps.clock.now() });
        }
      }
    }
    const last = blocks[blocks.length - 1]!;
    run.cursorKind = last.kind;
    run.cursorValue = last.value;
    run.keysDone += blocks.length;
    const scannedNow = blocks.reduce((s, b) => s + b.size, 0);
    await inTransaction(deps.db, async (tx) => {
      run.itemsWritten += await insertReviewItems(tx, items);
      await saveDedupeProgress(tx, run);
    });
    rowsScanned += scannedNow;
    done += scannedNow;
    batches += 1;
    options.onProgress?.('dedupe', Math.min(done, total), total);
  }
  return { rowsScanned, pairsScored: run.pairsScored, itemsWritten: run.itemsWritten, oversizedBlocks: oversized, finished: run.finishedAt !== null, resumed };
}
