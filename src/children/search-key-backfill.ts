import { inTransaction, type Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Logger } from '../platform/logging/logger.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { ChildrenService } from './children.service.js';
import {
  vacuumBlindIndex,
  countChildrenAwaitingSearchKeys,
  insertMissingBlindIndexEntries,
  takeChildrenAwaitingSearchKeys,
} from './search-key-backfill.repository.js';

/** Children per transaction: a few thousand index rows a statement, and little lost to a stop. */
export const SEARCH_KEY_BATCH = 2000;
const PROGRESS_EVERY_MS = 10_000;
export const SEARCH_KEY_STAGE = 'search keys';

/**
 * Gives the children queued by the date-part search keys' migration their values
 * (BlindIndexer.datePartSoundEntries), which only the key can make: each batch of children is
 * taken off the queue, opened and given its values in one transaction, so a stop loses nothing
 * and the next start carries on where this one stopped. Runs after migrating, before anything
 * searches; nothing is queued once it has run, so later starts cost one count. Logs counts only
 * (every 10 s for a service's log), and reports each batch to `onProgress` (a command's bar).
 * Returns how many children it gave values.
 */
export async function backfillSearchKeys(
  db: Db, keys: Keyring, options: { logger: Logger; onProgress?: ProgressReporter | undefined; batchSize?: number },
): Promise<number> {
  const { logger, onProgress, batchSize = SEARCH_KEY_BATCH } = options;
  const waiting = await countChildrenAwaitingSearchKeys(db);
  if (waiting === 0) return 0;
  logger.info({ children: waiting }, 'search keys: giving children stored before the date-part search keys theirs');
  const children = new ChildrenService({ db, keys });
  const { indexer } = children.sealer;
  let done = 0;
  let loggedAt = Date.now();
  for (;;) {
    const taken = await inTransaction(db, async (tx) => {
      const ids = await takeChildrenAwaitingSearchKeys(tx, batchSize);
      const people = await children.readPeople(ids, tx);
      await insertMissingBlindIndexEntries(tx, people.flatMap((p) => indexer.datePartSoundEntries(p.identity).map((e) => ({ childId: p.id, ...e }))));
      return ids.length;
    });
    if (taken === 0) break;
    done += taken;
    onProgress?.(SEARCH_KEY_STAGE, Math.min(done, waiting), waiting);
    if (Date.now() - loggedAt >= PROGRESS_EVERY_MS) {
      logger.info({ done, of: waiting }, 'search keys: progress');
      loggedAt = Date.now();
    }
  }
  await vacuumBlindIndex(db);
  logger.info({ done }, 'search keys: done');
  return done;
}
