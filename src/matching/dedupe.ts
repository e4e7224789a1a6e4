import { inTransaction, type Db } from '../platform/db/database.js';
import type { Clock } from '../platform/time/clock.js';
import type { ChildrenService } from '../children/children.service.js';
import { insertReviewItems, type NewReviewItem } from '../match-review/match-review.repository.js';
import type { Scorer } from './model.js';
import type { DedupeJob } from './dedupe-scoring.js';
import { DedupeScoringThreads } from './scoring-threads.js';
import { countBlockingRows, countRowsUpTo, createdAtOf, nextBlocks, openDedupeRun, saveDedupeProgress } from './dedupe.repository.js';

/**
 * Blocking keys the whole-index scan pairs children on: exact date of birth (catches name typos,
 * nicknames, moves, surname changes), family-name sound + year of birth (catches date slips and
 * day↔month swaps) and NHS number. Names alone would make blocks of every Smith.
 */
export const DEDUPE_BLOCKING_KINDS = ['dob', 'dob_year_family_metaphone', 'nhs_number'] as const;
/** Blocks larger than this are skipped (and counted): a block of n scores n²/2 pairs. */
const MAX_BLOCK = 200;
/**
 * Blocks read, scored and written per transaction; the cursor moves with each batch. At 1M
 * children a date-of-birth block holds about 150, so a batch is some five million pairs.
 */
const BLOCKS_PER_BATCH = 500;

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
  options: { runId?: string; restart?: boolean; maxBatches?: number; blocksPerBatch?: number; threads?: number; onProgress?: (stage: string, done: number, total: number) => void } = {},
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
  options.onProgress?.('dedupe', done, total);

  // Reading a batch (blocks, then its children opened) overlaps scoring the one before.
  const read = async (after: { kind: string; value: Buffer } | null): Promise<Batch> => {
    const blocks = await nextBlocks(deps.db, kinds, after, options.blocksPerBatch ?? BLOCKS_PER_BATCH, MAX_BLOCK);
    const pairs = blocks.filter((b) => b.size >= 2 && b.size <= MAX_BLOCK);
    const ids = [...new Set(pairs.flatMap((b) => b.childIds))];
    const [children, created] = await Promise.all([deps.children.readMany(ids), createdAtOf(deps.db, ids)]);
    const people: DedupeJob['people'] = {};
    for (const child of children) people[child.id] = { identity: child.identity, sex: child.sex, createdAt: created.get(child.id)?.getTime() ?? 0 };
    return { blocks, job: { blocks: pairs.map((b) => b.childIds), people }, oversized: blocks.filter((b) => b.size > MAX_BLOCK).length };
  };
  const cursor = () => (run.cursorKind !== null && run.cursorValue !== null ? { kind: run.cursorKind, value: run.cursorValue } : null);
  const threads = new DedupeScoringThreads(deps.scorer, options.threads);
  try {
    let next: Promise<Batch> | null = read(cursor());
    while (next) {
      const batch: Batch = await next;
      next = null;
      if (batch.blocks.length === 0) {
        run.finishedAt = deps.clock.now();
        await saveDedupeProgress(deps.db, run);
        break;
      }
      const last = batch.blocks[batch.blocks.length - 1]!;
      batches += 1;
      const more = options.maxBatches === undefined || batches < options.maxBatches;
      if (more) {
        next = read({ kind: last.kind, value: last.value });
        // Not awaited until the scoring below is done; an error surfaces then.
        next.catch(() => undefined);
      }
      const scored = await threads.score(batch.job);
      const createdAt = deps.clock.now();
      const items: NewReviewItem[] = scored.pairs.map((pair) => ({ ...pair, origin: 'dedupe' as const, createdAt }));
      run.pairsScored += scored.pairsScored;
      run.cursorKind = last.kind;
      run.cursorValue = last.value;
      run.keysDone += batch.blocks.length;
      oversized += batch.oversized;
      const scannedNow = batch.blocks.reduce((s, b) => s + b.size, 0);
      await inTransaction(deps.db, async (tx) => {
        run.itemsWritten += await insertReviewItems(tx, items);
        await saveDedupeProgress(tx, run);
      });
      rowsScanned += scannedNow;
      done += scannedNow;
      options.onProgress?.('dedupe', Math.min(done, total), total);
    }
  } finally {
    await threads.close();
  }
  return { rowsScanned, pairsScored: run.pairsScored, itemsWritten: run.itemsWritten, oversizedBlocks: oversized, finished: run.finishedAt !== null, resumed };
}

/** One batch of blocks as read: the blocks (for the cursor and counts) and the job to score. */
interface Batch {
  blocks: { kind: string; value: Buffer; size: number }[];
  job: DedupeJob;
  oversized: number;
}
