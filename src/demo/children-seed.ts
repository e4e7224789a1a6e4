import { setImmediate } from 'node:timers/promises';
import { inTransaction, type Db } from '../platform/db/database.js';
import type { Keyring } from '../platform/crypto/keyring.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { Child } from '../children/child-identity.js';
import { ChildrenService } from '../children/children.service.js';
import type { PreparedChild } from '../children/child-sealer.js';
import { findOrganisationByCode } from '../organisations/organisations.repository.js';
import { demoChildId, generateChildBatches, type GeneratedChild } from './children-generator.js';
import { DEMO_COUNCILS, type DemoCouncil } from './demo-directory.js';
import { countChildrenAmong, insertDemoChildRecords, type DemoIdentifierRow, type DemoShieldRow } from './demo-records.repository.js';
import { DemoSealer, sealChildRecords } from './demo-sealing.js';
import type { ChildToPlan, InvolvementPlanner } from './involvements-seed.js';
import { insertBulk } from '../involvements/involvements-bulk.repository.js';
import { DEMO_SCENARIO_CHILD_IDS } from './scenarios.js';

export interface ChildrenSeedOptions {
  count: number;
  seed: number;
  /** Ages are relative to this date; defaults to today in the UK by the clock. */
  today?: CalendarDate;
  /** Children per transaction (default 2,000). */
  batchSize?: number;
  councils?: readonly DemoCouncil[];
  /**
   * Plans and writes each batch's involvements, flags and areas as soon as the batch is stored,
   * so the database writes them while the next batch is sealed (the seed's slow thread is this
   * one). Progress then counts children stored with their involvements. A batch interrupted
   * between the two is completed by seedInvolvements.
   */
  involvements?: InvolvementPlanner;
  onProgress?: (done: number, total: number) => void;
}

export interface ChildrenSeedResult {
  /** Children written by this run. */
  created: number;
  /** Children already there from an earlier, interrupted run of the same seed. */
  resumedFrom: number;
  /** Children given involvements, flags and areas along the way (with `involvements`). */
  withInvolvements: number;
}

const DEFAULT_BATCH = 2_000;
// Small slices: every round trip of a batch's writes waits for the slice being sealed to end.
const SEAL_SLICE = 50;

/**
 * Seeds `count` synthetic children for the demo councils (which must exist: run the directory
 * seed first), with their parents and carers, earlier addresses, linked identifiers (UPN, council
 * child id, the feeding system's id on a near-duplicate) and shields, every value sealed under the
 * child's own data key. Each batch is generated, sealed and written in one transaction (then,
 * with `involvements`, followed by its involvements), and the next batch is sealed while the
 * previous one is being written, so both cores stay busy.
 *
 * Re-running is safe: if the store already holds children from another seed, or already holds
 * `count` or more, nothing happens. If it holds fewer children from this seed (an interrupted
 * run: batches commit in order, so they are a prefix of the stream), it carries on from there.
 */
export async function seedChildren(deps: { db: Db; keys: Keyring; clock: Clock }, options: ChildrenSeedOptions): Promise<ChildrenSeedResult> {
  const children = new ChildrenService({ db: deps.db, keys: deps.keys });
  // The walkthrough's children are not part of the stream: they must not shift where it resumes.
  const existing = (await children.count()) - (await countChildrenAmong(deps.db, DEMO_SCENARIO_CHILD_IDS));
  if (existing > 0 && (existing >= options.count || !(await children.exists(demoChildId(options.seed, 0))))) {
    return { created: 0, resumedFrom: existing, withInvolvements: 0 };
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
    // A shield follows the child: a near-duplicate of a shielded child is shielded too.
    shielded: g.shield !== undefined,
    identity: g.identity,
  });

  const sealer = new DemoSealer(deps.keys);
  const generator = { seed: options.seed, count: options.count, today: options.today ?? ukDate(deps.clock.now()), councils };
  let done = 0;
  let withInvolvements = 0;
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
    const records: { identifiers: DemoIdentifierRow[]; shields: DemoShieldRow[] } = { identifiers: [], shields: [] };
    for (let i = 0; i < fresh.length; i += SEAL_SLICE) {
      await setImmediate();
      const slice = fresh.slice(i, i + SEAL_SLICE);
      const { prepared: sealed, dataKeys } = sealer.prepareWithKeys(slice.map(toChild));
      slice.forEach((g, j) => {
        const shield = g.shield ? { ...g.shield, councilId: councilIds.get(g.shield.councilCode)! } : null;
        sealChildRecords(sealer, sealed[j]!, g.identifiers, shield, records, dataKeys[j]);
      });
      prepared.push(...sealed);
    }
    // Planned here, on this thread's time, so the database goes straight from the batch to its involvements.
    const planned = options.involvements?.plan(fresh.map((g) => toPlan(g, councilIds)));
    await writing;
    writing = (async () => {
      // Children, identifiers and shields commit together, so a resumed run finds whole children.
      await inTransaction(deps.db, async (tx) => {
        await children.storePrepared(prepared, tx);
        await insertDemoChildRecords(tx, records);
      });
      done += prepared.length;
      if (planned) {
        await insertBulk(deps.db, planned);
        withInvolvements += fresh.length;
      }
      options.onProgress?.(existing + done, options.count);
    })();
    // Marks the write as handled while the next batch is sealed; the await above still throws.
    writing.catch(() => undefined);
  }
  await writing;
  return { created: done, resumedFrom: existing, withInvolvements };
}

/** What the involvements planner reads of a stored child, taken from the generated one (as listDemoChildrenToPlan reads it back). */
function toPlan(g: GeneratedChild, councilIds: ReadonlyMap<string, string>): ChildToPlan {
  const sources = g.identifiers.filter((i) => i.kind === 'source_system').map((i) => i.issuer).sort();
  return {
    id: g.id,
    responsible_council_id: councilIds.get(g.councilCode)!,
    record_trigger: g.recordTrigger,
    trigger_date: g.triggerDate,
    unborn: g.unborn,
    has_upn: g.identifiers.some((i) => i.kind === 'upn'),
    has_identifiers: g.identifiers.length > 0,
    source_system: sources[0] ?? null,
  };
}
