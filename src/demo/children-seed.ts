import { setImmediate } from 'node:timers/promises';
import type { Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { Child } from '../children/child-identity.js';
import { ChildrenService } from '../children/children.service.js';
import type { PreparedChild } from '../children/child-sealer.js';
import { findOrganisationByCode } from '../organisations/organisations.repository.js';
import { demoChildId, generateChildBatches, type GeneratedChild } from './children-generator.js';
import { DEMO_COUNCILS, type DemoCouncil } from './demo-directory.js';

export interface ChildrenSeedOptions {
  count: number;
  seed: number;
  /** Ages are relative to this date; defaults to today in the UK by the clock. */
  today?: CalendarDate;
  /** Children per transaction (default 2,000). */
  batchSize?: number;
  councils?: readonly DemoCouncil[];
  onProgress?: (done: number, total: number) => void;
}

export interface ChildrenSeedResult {
  /** Children written by this run. */
  created: number;
  /** Children already there from an earlier, interrupted run of the same seed. */
  resumedFrom: number;
}

const DEFAULT_BATCH = 2_000;
const SEAL_SLICE = 250;

/**
 * Seeds `count` synthetic children for the demo councils (which must exist: run the directory
 * seed first). Each batch is generated, sealed and written in one transaction, and the next batch
 * is sealed while the previous one is being written, so both cores stay busy.
 *
 * Re-running is safe: if the store already holds children from another seed, or already holds
 * `count` or more, nothing happens. If it holds fewer children from this seed (an interrupted
 * run: batches commit in order, so they are a prefix of the stream), it carries on from there.
 */
export async function seedChildren(deps: { db: Db; keys: Keyring; clock: Clock }, options: ChildrenSeedOptions): Promise<ChildrenSeedResult> {
  const children = new ChildrenService({ db: deps.db, keys: deps.keys });
  const existing = await children.count();
  if (existing > 0 && (existing >= options.count || !(await children.exists(demoChildId(options.seed, 0))))) {
    return { created: 0, resumedFrom: existing };
  }

  const councils = options.councils ?? DEMO_COUNCILS;
  const councilIds = new Map<string, string>();
  for (const council of councils) {
    const organisation = await findOrganisationByCode(deps.db, council.code);
    if (!organisation) throw new Error(`Council ${council.code} is not in the directory: seed the demo world before its children.`);
    councilIds.set(council.code, organisation.id);
  }
  const toChild = (g: GeneratedChild): Child => ({
    id: g.id,
    responsibleCouncilId: councilIds.get(g.councilCode)!,
    recordTrigger: g.recordTrigger,
    triggerDate: g.triggerDate,
    sex: g.sex,
    unborn: g.unborn,
    shielded: g.shielded,
    identity: g.identity,
  });

  const generator = { seed: options.seed, count: options.count, today: options.today ?? ukDate(deps.clock.now()), councils };
  let done = 0;
  let writing: Promise<void> = Promise.resolve();
  for (const batch of generateChildBatches(generator, options.batchSize ?? DEFAULT_BATCH)) {
    // Batches already written by an interrupted run are regenerated (to keep the random stream
    // in step) but not written again.
    const fresh = batch.filter((g) => g.seq >= existing);
    if (fresh.length === 0) continue;
    // Sealing in slices, handing the event loop back between them: the previous batch's query
    // only reaches the socket once the pool and driver get a turn, and it must be on its way
    // before this thread spends a few hundred milliseconds sealing.
    const prepared: PreparedChild[] = [];
    for (let i = 0; i < fresh.length; i += SEAL_SLICE) {
      await setImmediate();
      prepared.push(...children.sealer.prepare(fresh.slice(i, i + SEAL_SLICE).map(toChild)));
    }
    await writing;
    writing = children.storePrepared(prepared).then(() => {
      done += prepared.length;
      options.onProgress?.(existing + done, options.count);
    });
    // Marks the write as handled while the next batch is sealed; the await above still throws.
    writing.catch(() => undefined);
  }
  await writing;
  return { created: done, resumedFrom: existing };
}
