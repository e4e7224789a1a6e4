import { ConfigError } from '../platform/config/config.js';
import { DecryptionError } from '../platform/crypto/aead.js';
import { inTransaction, type Db, type Tx } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Logger } from '../platform/logging/logger.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import type { ChildPerson } from './child-identity.js';
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
 * A child whose record will not open (altered, or sealed elsewhere) is left without the values
 * and counted in the log, so one bad row cannot stop every start; a batch none of which opens
 * means the wrong key, and stops the start with nothing changed. Returns how many children it
 * gave values.
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
  let unreadable = 0;
  let loggedAt = Date.now();
  for (;;) {
    const taken = await inTransaction(db, async (tx) => {
      const ids = await takeChildrenAwaitingSearchKeys(tx, batchSize);
      const { people, failed } = await openEach(children, ids, tx);
      if (ids.length > 0 && failed === ids.length) {
        throw new ConfigError(`None of ${String(ids.length)} children could be opened with this key to give them their new search keys: is SIGNPOST_KEK (or the key file) the one this database was written with? Nothing was changed.`);
      }
      unreadable += failed;
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
  if (unreadable > 0) logger.warn({ unreadable }, 'search keys: children whose record would not open were left without them');
  logger.info({ done: done - unreadable }, 'search keys: done');
  return done - unreadable;
}

/** The batch opened together, or, when one of them will not open, one by one, leaving those out. */
async function openEach(children: ChildrenService, ids: readonly string[], tx: Tx): Promise<{ people: ChildPerson[]; failed: number }> {
  try {
    return { people: await children.readPeople(ids, tx), failed: 0 };
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
  }
  const people: ChildPerson[] = [];
  let failed = 0;
  for (const id of ids) {
    try {
      people.push(...(await children.readPeople([id], tx)));
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      failed++;
    }
  }
  return { people, failed };
}
