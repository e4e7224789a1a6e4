import { inTransaction, type Db, type Tx } from '../platform/db/database.js';
import type { Clock } from '../platform/time/clock.js';
import type { Logger } from '../platform/logging/logger.js';
import type { ProgressReporter } from '../platform/progress/progress-bar.js';
import { nameForms, type BlindIndexer } from '../children/blind-index.js';
import {
  applyRules, BURST_OF_ACTION, BURST_RULES, extendAlert, FLAGGED_KINDS, groupBy, isAlertRule, mergeAlert, SEP, subjectKeyOf, uncovered, widerWindow, type AlertRule,
  type AlertCandidate, type ChildFacts, type RuleFacts, type ScannedEntry, type UserFacts,
} from './anomaly-rules.js';
import { startPeriodicJob } from '../platform/jobs/periodic-job.js';
import {
  addAlertEntries, advanceScanState, alertsByKeys, childCouncils, childFlags, councilsOf, entriesAround, familyNameIndexes, insertAlerts, lockScan,
  raisedWindows, readScanState, sealedEntriesFrom, sealedLeafCount, updateAlert, userNames, type NewAlertRow,
} from './oversight.repository.js';

/** Entries read and judged per transaction: bounds memory however large the backlog. */
export const SCAN_BATCH = 5_000;

/** What a scan did. */
export interface ScanResult {
  /** Audit entries read. */
  scanned: number;
  /** New alerts. */
  raised: number;
  /** Alerts already there that gained entries (a burst or a night carrying on). */
  extended: number;
}

export interface ScanDeps {
  db: Db;
  clock: Clock;
  indexer: BlindIndexer;
}

/**
 * Reads the sealed audit from where the last scan stopped, in the tree's order, and applies the
 * anomaly rules batch by batch. Each batch is one transaction: its alerts and the new position
 * commit together, so a failed batch is simply read again and nothing is raised twice (alerts
 * are found by key and merged, never duplicated). Only sealed entries are read: an entry whose
 * transaction commits late is sealed in a later round, after higher ids, and scanned then.
 */
export async function scanAudit(deps: ScanDeps, options: { batchSize?: number; onProgress?: ProgressReporter } = {}): Promise<ScanResult> {
  const batchSize = options.batchSize ?? SCAN_BATCH;
  const total: ScanResult = { scanned: 0, raised: 0, extended: 0 };
  const horizon = options.onProgress ? await sealedLeafCount(deps.db) : 0;
  const start = options.onProgress ? (await readScanState(deps.db)).nextLeafIndex : 0;
  for (;;) {
    const result = await scanBatch(deps, batchSize);
    total.scanned += result.scanned;
    total.raised += result.raised;
    total.extended += result.extended;
    options.onProgress?.('scanning', Math.min(total.scanned, Math.max(0, horizon - start)), Math.max(0, horizon - start));
    if (result.scanned < batchSize) return total;
  }
}

/** One batch: read, judge, store, move on — in one transaction under the scan lock. */
export async function scanBatch(deps: ScanDeps, batchSize: number): Promise<ScanResult> {
  return inTransaction(deps.db, async (tx) => {
    await lockScan(tx);
    const { nextLeafIndex } = await readScanState(tx);
    const rows = await sealedEntriesFrom(tx, nextLeafIndex, batchSize);
    if (rows.length === 0) return { scanned: 0, raised: 0, extended: 0 };
    const batch = rows.map((r) => r.entry);
    const facts = await loadFacts(tx, batch, deps.indexer);
    const stored = await storeAlerts(tx, applyRules(batch, facts), facts, deps.clock.now());
    const last = rows[rows.length - 1]!;
    await advanceScanState(tx, { nextLeafIndex: last.leafIndex + 1, lastEntryId: last.entry.id, at: deps.clock.now() });
    return { scanned: rows.length, ...stored };
  });
}

/** The surname forms of a display name: the last word, normalised as family names are indexed. */
export function surnameIndexOf(displayName: string, indexer: BlindIndexer): string[] {
  const last = displayName.trim().split(/\s+/).pop() ?? '';
  return nameForms(last).map((form) => indexer.value('family_name', form).toString('hex'));
}

async function loadFacts(tx: Tx, batch: readonly ScannedEntry[], indexer: BlindIndexer): Promise<RuleFacts> {
  const views = batch.filter((e) => e.action === 'view' && e.childId !== null);
  const childIds = [...new Set(views.map((e) => e.childId!))];
  const children = new Map<string, ChildFacts & { familyNameIndex: string[]; flags: ChildFacts['flags'][number][] }>();
  if (childIds.length > 0) {
    for (const c of await childCouncils(tx, childIds)) children.set(c.id, { responsibleCouncilId: c.responsible_council_id, familyNameIndex: [], flags: [] });
    for (const row of await familyNameIndexes(tx, childIds)) children.get(row.child_id)?.familyNameIndex.push(row.value.toString('hex'));
    for (const f of await childFlags(tx, childIds, FLAGGED_KINDS)) children.get(f.child_id)?.flags.push({ kind: f.kind, startedOn: f.started_on, endedOn: f.ended_on });
  }

  const viewerIds = [...new Set(views.flatMap((e) => (e.actorUserId ? [e.actorUserId] : [])))];
  const users = new Map<string, UserFacts>();
  if (viewerIds.length > 0) {
    for (const u of await userNames(tx, viewerIds)) users.set(u.id, { surnameIndex: surnameIndexOf(u.display_name, indexer) });
  }

  // The burst rules count each subject's entries either side of the batch too, except inside a
  // window already raised for the subject (see `uncovered`).
  const bursty = batch.filter((e) => e.actorUserId !== null && e.action in BURST_OF_ACTION);
  const subjects = [...new Set(bursty.map((e) => e.actorUserId!))];
  const widest = Math.max(...Object.values(BURST_OF_ACTION).map((b) => b.windowMs));
  const times = bursty.map((e) => e.occurredAt.getTime());
  const raised = subjects.length === 0 ? [] : (await raisedWindows(tx, {
    subjectKeys: subjects, rules: BURST_RULES, from: new Date(Math.min(...times) - widest), to: new Date(Math.max(...times) + widest),
  })).flatMap((w) => (isAlertRule(w.rule) ? [{ rule: w.rule, subjectKey: w.subject_key, windowKey: w.window_key, windowStart: w.window_start, windowEnd: w.window_end }] : []));
  const stretches = [...groupBy(bursty, (e) => `${e.actorUserId!}${SEP}${e.action}`).values()].flatMap((entries) => {
    const { actorUserId: userId, action } = entries[0]!;
    const { rule, windowMs } = BURST_OF_ACTION[action]!;
    const at = entries.map((e) => e.occurredAt.getTime());
    const covered = raised.filter((w) => w.rule === rule && w.subjectKey === userId);
    return uncovered(new Date(Math.min(...at) - windowMs), new Date(Math.max(...at) + windowMs), covered).map((s) => ({ userId: userId!, action, ...s }));
  });
  const inBatch = new Set(batch.map((e) => e.id));
  const nearby = (await entriesAround(tx, stretches)).filter((e) => !inBatch.has(e.id));

  return { children, users, nearby, raised };
}

const keyOf = (k: { rule: string; subjectKey: string; windowKey: string }) => `${k.rule}${SEP}${k.subjectKey}${SEP}${k.windowKey}`;

/** Inserts new alerts and adds entries to ones already raised under the same key. */
async function storeAlerts(tx: Tx, candidates: readonly AlertCandidate[], facts: RuleFacts, now: Date): Promise<{ raised: number; extended: number }> {
  const keyed = candidates.flatMap((c) => {
    const subjectKey = subjectKeyOf({ actorUserId: c.subjectUserId, actorApiClient: c.subjectApiClient });
    return subjectKey === null ? [] : [{ candidate: c, key: { rule: c.rule, subjectKey, windowKey: c.windowKey } }];
  });
  if (keyed.length === 0) return { raised: 0, extended: 0 };

  // Alerts already raised: the entries each candidate brings, added in one statement below.
  const existing = new Map<string, { id: number; rule: AlertRule; entryCount: number; windowStart: Date; windowEnd: Date; entryIds: number[]; seen: { windowStart: Date; windowEnd: Date } }>();
  for (const row of await alertsByKeys(tx, keyed.map((k) => k.key))) {
    if (!isAlertRule(row.rule)) continue;
    const window = { windowStart: row.window_start, windowEnd: row.window_end };
    existing.set(keyOf({ rule: row.rule, subjectKey: row.subject_key, windowKey: row.window_key }), {
      id: row.id, rule: row.rule, entryCount: row.entry_count, ...window, entryIds: [], seen: { ...window },
    });
  }

  const fresh = new Map<string, NewAlertRow>();
  const needCouncil = new Set<string>();
  for (const { candidate: c, key } of keyed) {
    const k = keyOf(key);
    const stored = existing.get(k);
    if (stored) {
      stored.entryIds.push(...c.entryIds);
      stored.seen = widerWindow(stored.seen, c);
      continue;
    }
    const target = fresh.get(k);
    if (target) {
      const merged = mergeAlert({ rule: c.rule, entryIds: target.entryIds, windowStart: target.windowStart, windowEnd: target.windowEnd }, c);
      if (merged) Object.assign(target, merged);
      continue;
    }
    const councilId = c.childId ? facts.children.get(c.childId)?.responsibleCouncilId ?? null : null;
    if (!councilId && c.organisationId) needCouncil.add(c.organisationId);
    fresh.set(k, {
      rule: c.rule, subjectUserId: c.subjectUserId, subjectApiClient: c.subjectApiClient, organisationId: c.organisationId, councilId, childId: c.childId,
      windowKey: c.windowKey, windowStart: c.windowStart, windowEnd: c.windowEnd, raisedAt: now, summary: c.summary, entryIds: c.entryIds,
    });
  }

  // No child (or a child since removed): the council of the subject's own organisation works it.
  const councils = await councilsOf(tx, [...needCouncil]);
  for (const row of fresh.values()) {
    if (!row.councilId && row.organisationId) row.councilId = councils.get(row.organisationId) ?? row.organisationId;
  }
  const raised = await insertAlerts(tx, [...fresh.values()]);
  // Only the entries an alert did not hold are added; an alert that gained none is left as it was.
  const gained = await addAlertEntries(tx, [...existing.values()].map((a) => ({ alertId: a.id, entryIds: a.entryIds })));
  let extended = 0;
  for (const alert of existing.values()) {
    const added = gained.get(alert.id) ?? 0;
    if (added === 0) continue;
    await updateAlert(tx, alert.id, extendAlert(alert, added, alert.seen));
    extended += 1;
  }
  return { raised, extended };
}

/** A running background scan. */
export interface OversightScanner {
  /** Stops the timer and waits for a scan in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Scans the audit in the background every `intervalMs` (default 60 s), after the audit sealer has
 * sealed what it can. Scans never overlap; a failed scan is logged and tried again next time,
 * from where the last committed batch left off.
 */
export function startOversightScanner(options: { scan: () => Promise<ScanResult>; logger: Logger; intervalMs?: number }): OversightScanner {
  const { logger } = options;
  const intervalMs = options.intervalMs ?? 60_000;
  const job = startPeriodicJob({
    run: options.scan,
    intervalMs,
    onResult: (result) => {
      if (result.raised > 0) logger.info({ raised: result.raised, extended: result.extended, scanned: result.scanned }, 'oversight alerts raised');
      else logger.debug({ scanned: result.scanned }, 'oversight scan');
    },
    // Only the message: errors here never carry entry contents, but keep logs lean anyway.
    onError: (error) => logger.warn({ err: { message: (error as Error).message } }, 'oversight scan failed; will retry'),
  });
  return { stop: () => job.stop() };
}
