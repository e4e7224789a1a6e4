import { auditActor, type Viewer } from '../access/viewer.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ChildRecordsService, PlannedSourceBatch, SourceUpsert } from '../child-records/child-records.service.js';
import { validateChildRecord } from '../children/child-record-input.js';
import type { InvolvementsService } from '../involvements/involvements.service.js';
import { findOrganisationByCode } from '../organisations/organisations.repository.js';
import { inTransaction, type Db } from '../platform/db/database.js';
import { ConflictError, DomainError, ValidationError } from '../platform/http/errors.js';
import { loggableError } from '../platform/http/error-handler.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate } from '../platform/time/calendar-date.js';
import type { CsvRecord } from './csv-records.js';
import { columnForField, readFeedRow, reasonForColumn, type FeedInvolvement, type FeedRow } from './feed-columns.js';
import { DEFAULT_FEED_LIMITS, FeedFileError, inspectFeed, readFeedRecords, type FeedFile, type FeedLimits, type InspectedFeed } from './feed-file.js';
import {
  countRejectionEntries,
  findInvolvementEnd,
  findOrganisationKind,
  findRun,
  findUnfinishedRunId,
  listRejections,
  markFailed,
  openRun,
  recordBatch,
  withImportLock,
  type ImportRunRow,
} from './feed-import.repository.js';
import { isUuid } from '../involvements/field-errors.js';
import { forEachAtMost } from '../platform/async/at-most.js';

/** Rows per committed batch: progress, rejections and audit entries commit together after each. */
export const DEFAULT_BATCH_SIZE = 200;
/** Rows whose involvements are recorded concurrently (each in its own transaction); the pool has 10 connections. */
const ROWS_AT_ONCE = 4;
/** Uploads imported at once by one server; each holds its file (≤ 50 MB) in memory. */
const MAX_BACKGROUND_IMPORTS = 2;
/** Council roles that may import a feed for their council. */
export const IMPORT_ROLES: readonly string[] = ['council_administrator', 'social_worker'];
/** Same rule as ChildRecordsService's source system check, made up front so no row is refused for it. */
const SOURCE_SYSTEM = /^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$/;

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** A run as the CLI, the status page and the tests see it. Holds nothing about any child. */
export interface ImportRun extends ImportCounts {
  id: string;
  sourceSystem: string;
  fileName: string;
  organisationId: string;
  createdBy: 'user' | 'cli';
  createdByUserId: string | null;
  status: 'running' | 'completed' | 'failed';
  failure: string | null;
  totalRows: number;
  rowsDone: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A rejected row: the physical line, the CSV column ('' for the row as a whole) and why. */
export interface Rejection {
  line: number;
  field: string;
  reason: string;
}

export interface ImportResult {
  run: ImportRun;
  /** Rows already done by an earlier, interrupted run of this file (0 for a fresh run). */
  resumedAfterRow: number;
  /** False when stopped by the signal: the run stays 'running' and a re-run continues it. */
  finished: boolean;
}

export interface ImportOptions {
  /** Who started it: a user of the upload page, or null for the command line. */
  createdByUserId?: string | null;
  requestId?: string | null;
  batchSize?: number;
  /** Progress after every committed batch: ('import', rows done, total rows). */
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Called once the run exists, before any row is imported. */
  onStarted?: (runId: string) => void;
  /** Stop after the current batch, as a crash would leave it: the run stays 'running'. */
  signal?: AbortSignal;
  /** Where an unexpected failure is logged (the request's logger for an upload). */
  logger?: ImportLogger;
}

/** The little of a pino logger an import uses; never given a value from the file. */
export interface ImportLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** The same file from the same source is being imported right now. */
export class ImportInProgressError extends ConflictError {
  constructor(readonly runId: string | null) {
    super('This file is already being imported from this source system. Wait for that import to finish.');
  }
}

type RowOutcome =
  | { kind: 'created' | 'updated' | 'unchanged'; audit: Omit<AuditEntry, 'occurredAt'>[] }
  | { kind: 'rejected'; rejections: Rejection[] };

interface Batch extends ImportCounts {
  rejections: Rejection[];
  audit: Omit<AuditEntry, 'occurredAt'>[];
  rows: number;
}

/** A row read from the file, waiting for its batch; `firstLine` is set when its source id came earlier. */
interface PendingRow {
  record: CsvRecord;
  firstLine: number | undefined;
}

/** A row that passed its own checks, at its position in the batch. */
interface ValidRow {
  at: number;
  line: number;
  row: FeedRow;
}

/** A batch checked and matched, waiting to be stored: the rows refused so far, and the valid rows' plan. */
interface PreparedBatch {
  rows: number;
  outcomes: RowOutcome[];
  valid: ValidRow[];
  planned: PlannedSourceBatch;
}

const emptyBatch = (): Batch => ({ created: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [], audit: [], rows: 0 });

/**
 * Bulk feeds: a CSV of children (and optionally one involvement per row) from a council's or an
 * agency's system. Each batch of rows goes through the one validator and the idempotent
 * `upsertManyFromSource` (each record with the outcome the API's `upsertFromSource` would give
 * it; new children stored together, audited there), so a feed accepts and refuses exactly what
 * the API does, and importing the same file twice changes nothing. Progress commits
 * after every batch, so a re-run of a file that was interrupted continues where it stopped.
 * Nothing here logs or reports a value from the file: rejections name a line and a column.
 */
export class FeedImportService {
  readonly #background = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: {
    db: Db;
    clock: Clock;
    childRecords: ChildRecordsService;
    involvements: InvolvementsService;
    audit: AuditService;
    limits?: FeedLimits;
  }) {}

  /** The file-level checks (and the source system's name): throws before anything is written. */
  async inspect(file: FeedFile, sourceSystem: string): Promise<InspectedFeed> {
    checkSourceSystem(sourceSystem);
    return inspectFeed(file, this.deps.limits ?? DEFAULT_FEED_LIMITS);
  }

  /** Inspects and imports a file, resuming an interrupted run of the same file and source. */
  async importFile(viewer: Viewer, file: FeedFile, sourceSystem: string, options: ImportOptions = {}): Promise<ImportResult> {
    return this.import(viewer, await this.inspect(file, sourceSystem), sourceSystem, options);
  }

  /** Imports an inspected file. Resumes the unfinished run of the same file and source, if any. */
  async import(viewer: Viewer, feed: InspectedFeed, sourceSystem: string, options: ImportOptions = {}): Promise<ImportResult> {
    const system = checkSourceSystem(sourceSystem);
    const outcome = await withImportLock(this.deps.db, system, feed.sha256, async () => {
      const { row } = await openRun(this.deps.db, {
        sourceSystem: system, sha256: feed.sha256, fileName: feed.file.name.slice(0, 255), organisationId: viewer.organisationId,
        createdByUserId: options.createdByUserId ?? null, totalRows: feed.totalRows, now: this.deps.clock.now(),
      });
      options.onStarted?.(row.id);
      try {
        return await this.#process(viewer, feed, system, row, options);
      } catch (error) {
        const failure = error instanceof DomainError ? error.message : 'The import stopped because of a problem on the server. Import the same file again to continue from where it stopped.';
        if (!(error instanceof DomainError)) options.logger?.error({ err: loggableError(error), importRunId: row.id }, 'feed import failed');
        await markFailed(this.deps.db, row.id, failure, this.deps.clock.now()).catch(() => undefined);
        throw error;
      }
    });
    if (!outcome.locked) throw new ImportInProgressError((await findUnfinishedRunId(this.deps.db, system, feed.sha256)) ?? null);
    return outcome.value;
  }

  /**
   * Starts an upload's import inside this server and returns once its run exists; the status page
   * follows it. Closing the service stops it after its current batch (resumable, like a crash).
   */
  startInBackground(viewer: Viewer, feed: InspectedFeed, sourceSystem: string, options: Pick<ImportOptions, 'createdByUserId' | 'requestId' | 'logger'>): Promise<{ runId: string }> {
    if (this.#background.size >= MAX_BACKGROUND_IMPORTS) {
      return Promise.reject(new ConflictError('Signpost is already importing two files. Try again when one of them has finished.'));
    }
    return new Promise((resolve, reject) => {
      const controller = new AbortController();
      let runId: string | undefined;
      const done = this.import(viewer, feed, sourceSystem, {
        ...options,
        signal: controller.signal,
        onStarted: (id) => {
          runId = id;
          this.#background.set(id, { controller, done });
          resolve({ runId: id });
        },
      }).then(
        (result) => options.logger?.info({ importRunId: result.run.id, finished: result.finished, rows: result.run.rowsDone }, 'feed import ended'),
        (error: unknown) => {
          if (!runId) reject(error instanceof Error ? error : new Error(String(error)));
          // After it started, a failure is on the run for its status page (logged in import()).
        },
      ).finally(() => {
        if (runId) this.#background.delete(runId);
      });
    });
  }

  /** Stops background imports after their current batch and waits for them (server shutdown). */
  async close(): Promise<void> {
    const running = [...this.#background.values()];
    for (const job of running) job.controller.abort();
    await Promise.all(running.map((job) => job.done));
  }

  async run(runId: string): Promise<ImportRun | undefined> {
    if (!isUuid(runId)) return undefined;
    const row = await findRun(this.deps.db, runId);
    return row ? toRun(row) : undefined;
  }

  /** The first `limit` rejection entries by line, and how many there are in all. */
  async rejections(runId: string, limit: number): Promise<{ entries: Rejection[]; total: number }> {
    const [entries, total] = await Promise.all([listRejections(this.deps.db, runId, limit), countRejectionEntries(this.deps.db, runId)]);
    return { entries, total };
  }

  /** Only a council's administrators and social workers import feeds, for their own council. */
  async mayImport(user: { role: string; organisationId: string }): Promise<boolean> {
    if (!IMPORT_ROLES.includes(user.role)) return false;
    return (await findOrganisationKind(this.deps.db, user.organisationId))?.kind === 'council';
  }

  async #process(viewer: Viewer, feed: InspectedFeed, system: string, run: ImportRunRow, options: ImportOptions): Promise<ImportResult> {
    const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    const startAfter = run.rows_done;
    const total = feed.totalRows;
    const sourceColumn = feed.columns.get('source_id')!;
    const context = new RowContext(this.deps.db);
    const requestId = options.requestId ?? null;
    // Every source id with the line it was first seen on, rebuilt from the top on a resume.
    const seen = new Map<string, number>();
    options.onProgress?.('import', startAfter, total);

    // Batches overlap by one: the next is checked and matched (reading only) while this one is
    // stored and committed, so the service's work and PostgreSQL's run side by side. A batch is
    // stored only once the one before is committed (and counted as done for a resume).
    let rowsDone = startAfter;
    let storing: Promise<void> = Promise.resolve();
    let previous: PreparedBatch | undefined;
    const next = async (rows: readonly PendingRow[], completed: boolean): Promise<boolean> => {
      const preparing = this.#prepareBatch(viewer, feed, system, rows, context);
      preparing.catch(() => undefined); // awaited below, after the batch before
      await storing;
      if (options.signal?.aborted && rowsDone < total) {
        await preparing.catch(() => undefined);
        return false;
      }
      const prepared = await preparing;
      const after = previous;
      previous = prepared;
      storing = this.#storeBatch(viewer, system, prepared, after, context, requestId).then(async (batch) => {
        rowsDone += batch.rows;
        await this.#commit(viewer, run.id, system, batch, rowsDone, completed, requestId);
        options.onProgress?.('import', rowsDone, total);
      });
      storing.catch(() => undefined); // awaited by the next batch, or at the end
      return true;
    };

    try {
      let index = 0;
      let pending: PendingRow[] = [];
      const records = readFeedRecords(feed.file, this.deps.limits?.maxBytes);
      let header = true;
      for (;;) {
        const read = await records.next();
        if (read.done) {
          if (!read.value.equals(feed.sha256)) throw new FeedFileError('The file changed while it was being imported. Import it again.');
          break;
        }
        if (header) {
          header = false;
          continue;
        }
        index += 1;
        const sourceId = (read.value.fields[sourceColumn] ?? '').trim();
        const firstLine = sourceId ? seen.get(sourceId) : undefined;
        if (sourceId && firstLine === undefined) seen.set(sourceId, read.value.line);
        if (index <= startAfter) continue;
        pending.push({ record: read.value, firstLine });
        if (pending.length >= batchSize) {
          const rows = pending;
          pending = [];
          if (!(await next(rows, false))) return { run: await this.#reload(run.id), resumedAfterRow: startAfter, finished: false };
        }
      }
      if (!(await next(pending, true))) return { run: await this.#reload(run.id), resumedAfterRow: startAfter, finished: false };
      await storing;
    } finally {
      // Never leave a batch being stored behind a failure: the run's lock goes when this returns.
      await storing.catch(() => undefined);
    }
    return { run: await this.#reload(run.id), resumedAfterRow: startAfter, finished: true };
  }

  /** One batch's reading half: each row's own checks, then every valid child checked and matched against the index. */
  async #prepareBatch(viewer: Viewer, feed: InspectedFeed, system: string, rows: readonly PendingRow[], context: RowContext): Promise<PreparedBatch> {
    const outcomes: RowOutcome[] = [];
    const valid: ValidRow[] = [];
    for (const [at, { record, firstLine }] of rows.entries()) {
      const checked = await this.#checkRow(feed, record, firstLine, context);
      if ('kind' in checked) outcomes[at] = checked;
      else valid.push({ at, line: record.line, row: checked.row });
    }
    const planned = await this.deps.childRecords.planManyFromSource(viewer, system, valid.map(({ row }) => ({ sourceId: row.sourceId, input: row.child })));
    return { rows: rows.length, outcomes, valid, planned };
  }

  /**
   * One batch's writing half, once the batch before (`after`) is committed: the valid children
   * through the source batch upsert (new children stored together), then the rows' involvements a
   * few at a time.
   */
  async #storeBatch(viewer: Viewer, system: string, prepared: PreparedBatch, after: PreparedBatch | undefined, context: RowContext, requestId: string | null): Promise<Batch> {
    const { outcomes, valid } = prepared;
    const upserts = await this.deps.childRecords.upsertPlannedFromSource(viewer, prepared.planned, requestId, after?.planned);
    await forEachAtMost(ROWS_AT_ONCE, valid.keys(), async (k) => {
      const { at, line, row } = valid[k]!;
      outcomes[at] = await this.#afterUpsert(viewer, system, line, row, upserts[k]!, context, requestId);
    });
    const batch = emptyBatch();
    batch.rows = prepared.rows;
    for (const outcome of outcomes) {
      batch[outcome.kind] += 1;
      if (outcome.kind === 'rejected') batch.rejections.push(...outcome.rejections);
      else batch.audit.push(...outcome.audit);
    }
    batch.rejections.sort((a, b) => a.line - b.line);
    return batch;
  }

  async #commit(viewer: Viewer, runId: string, system: string, batch: Batch, rowsDone: number, completed: boolean, requestId: string | null): Promise<void> {
    const now = this.deps.clock.now();
    await inTransaction(this.deps.db, async (tx) => {
      await recordBatch(tx, runId, { ...batch, rowsDone, now, completed });
      const entries = [...batch.audit];
      if (completed) {
        entries.push({ ...auditActor(viewer), action: 'import', basis: `feed from ${system}`, reason: `bulk import ${runId} completed`, outcome: 'allowed', requestId });
      }
      if (entries.length > 0) await this.deps.audit.recordMany(tx, entries);
    });
  }

  async #reload(runId: string): Promise<ImportRun> {
    return toRun((await findRun(this.deps.db, runId))!);
  }

  /** A row's own checks (shape, repeated source id, columns, organisation): its rejection, or the row to upsert. */
  async #checkRow(feed: InspectedFeed, record: CsvRecord, firstLine: number | undefined, context: RowContext): Promise<RowOutcome | { row: FeedRow }> {
    if (record.fields.length !== feed.headerLength) {
      return rejectRow(record.line, { '': `This row has ${String(record.fields.length)} values but the header row has ${String(feed.headerLength)} columns. Check for a missing comma or an unquoted comma in a value.` });
    }
    if (firstLine !== undefined) {
      return rejectRow(record.line, { source_id: `This source_id is also on line ${String(firstLine)}: each child may appear once in a file, so this later row was not imported` });
    }
    const { row, problems } = readFeedRow(record.fields, feed.columns);
    if (row.involvement && !problems['involvement_organisation_code']) {
      const organisation = await context.organisation(row.involvement.organisationCode);
      if (!organisation) problems['involvement_organisation_code'] = 'No organisation has this code; list the codes with: signpost orgs list';
    }
    if (Object.keys(problems).length === 0) return { row };
    // Report the child's problems too, so the sender fixes the row in one go.
    try {
      validateChildRecord(row.child, ukDate(this.deps.clock.now()));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const [field, message] of Object.entries(error.fields)) problems[field] ??= message;
    }
    return rejectRow(record.line, problems);
  }

  /** What the row's child upsert came to, with the row's involvement recorded (or ended) after it. */
  async #afterUpsert(viewer: Viewer, system: string, line: number, row: FeedRow, upsert: SourceUpsert | DomainError, context: RowContext, requestId: string | null): Promise<RowOutcome> {
    if (upsert instanceof DomainError) return rejectRow(line, Object.keys(upsert.fields).length > 0 ? { ...upsert.fields } : { '': upsert.message });
    const child = upsert;
    const audit: Omit<AuditEntry, 'occurredAt'>[] = [];
    let involvementChanged = false;
    if (row.involvement) {
      try {
        const changes = await this.#involvement(system, child.childId, row.involvement, context);
        for (const action of changes) {
          audit.push({ ...auditActor(viewer), action, childId: child.childId, basis: `feed from ${system}`, reason: action === 'create' ? 'involvement recorded from a bulk import' : 'involvement ended from a bulk import', outcome: 'allowed', requestId });
        }
        involvementChanged = changes.length > 0;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // The child's own transaction has committed; say so rather than pretend nothing was written.
        const saved = 'The child\'s details were saved, but the involvement was not: ';
        const fields = Object.keys(error.fields).length > 0
          ? Object.fromEntries(Object.entries(error.fields).map(([f, m]) => [f, saved + reasonForColumn(f, m)]))
          : { [error.message.includes('lead professional') ? 'involvement_lead_professional' : 'involvement_source_id']: saved + error.message };
        return rejectRow(line, fields);
      }
    }
    if (child.created) return { kind: 'created', audit };
    return { kind: child.changed || involvementChanged ? 'updated' : 'unchanged', audit };
  }

  /** Records (or finds, by its source key) the row's involvement and ends it when the row says so. */
  async #involvement(system: string, childId: string, involvement: FeedInvolvement, context: RowContext): Promise<('create' | 'update')[]> {
    const organisation = (await context.organisation(involvement.organisationCode))!;
    const changes: ('create' | 'update')[] = [];
    const { id, created } = await this.deps.involvements.add({
      childId,
      organisationId: organisation.id,
      service: involvement.service,
      role: involvement.role,
      isLeadProfessional: involvement.isLeadProfessional,
      contactRoute: involvement.contactRoute,
      startedOn: involvement.startedOn,
      source: { system, id: involvement.sourceId },
    });
    if (created) changes.push('create');
    if (involvement.endedOn && involvement.endReason) {
      const current = await findInvolvementEnd(this.deps.db, id);
      if (current?.ended_on !== involvement.endedOn) {
        await this.deps.involvements.end(id, { endedOn: involvement.endedOn, endReason: involvement.endReason });
        changes.push('update');
      }
    }
    return changes;
  }
}

/** Organisation look-ups for one run, cached: a feed names the same few organisations again and again. */
class RowContext {
  readonly #organisations = new Map<string, Promise<{ id: string } | undefined>>();
  constructor(private readonly db: Db) {}

  organisation(code: string): Promise<{ id: string } | undefined> {
    let found = this.#organisations.get(code);
    if (!found) {
      found = findOrganisationByCode(this.db, code);
      this.#organisations.set(code, found);
    }
    return found;
  }
}

/** A row refused, one rejection per column named in `problems` (the API's field names). */
function rejectRow(line: number, problems: Record<string, string>): RowOutcome {
  return { kind: 'rejected', rejections: Object.entries(problems).map(([field, reason]) => ({ line, field: columnForField(field), reason: reasonForColumn(field, reason) })) };
}

function checkSourceSystem(sourceSystem: string): string {
  const system = sourceSystem.trim();
  if (!SOURCE_SYSTEM.test(system)) {
    throw new ValidationError('Check the source system', { sourceSystem: 'Enter the source system\'s name: 1 to 64 letters, digits, spaces or . _ : -, starting with a letter or digit' });
  }
  return system;
}

function toRun(row: ImportRunRow): ImportRun {
  return {
    id: row.id,
    sourceSystem: row.source_system,
    fileName: row.file_name,
    organisationId: row.organisation_id,
    createdBy: row.created_by,
    createdByUserId: row.created_by_user_id,
    status: row.status,
    failure: row.failure,
    totalRows: row.total_rows,
    rowsDone: row.rows_done,
    created: row.created_count,
    updated: row.updated_count,
    unchanged: row.unchanged_count,
    rejected: row.rejected_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
