import { sql } from 'kysely';
import type { Db, DbOrTx } from '../platform/db/database.js';

export interface ImportRunRow {
  id: string;
  source_system: string;
  file_name: string;
  organisation_id: string;
  created_by: 'user' | 'cli';
  created_by_user_id: string | null;
  status: 'running' | 'completed' | 'failed';
  failure: string | null;
  total_rows: number;
  rows_done: number;
  created_count: number;
  updated_count: number;
  unchanged_count: number;
  rejected_count: number;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = [
  'id', 'source_system', 'file_name', 'organisation_id', 'created_by', 'created_by_user_id', 'status', 'failure', 'total_rows', 'rows_done',
  'created_count', 'updated_count', 'unchanged_count', 'rejected_count', 'created_at', 'updated_at', 'finished_at',
] as const;

export interface NewImportRun {
  sourceSystem: string;
  sha256: Buffer;
  fileName: string;
  organisationId: string;
  createdByUserId: string | null;
  totalRows: number;
  now: Date;
}

/**
 * The unfinished run of this file from this source, picked up again; or a new one. Two starts of
 * the same file at once meet at the unique index on unfinished runs and share the one run.
 */
export async function openRun(db: DbOrTx, run: NewImportRun): Promise<{ row: ImportRunRow; resumed: boolean }> {
  const inserted = await db.insertInto('import_runs')
    .values({
      source_system: run.sourceSystem,
      file_sha256: run.sha256,
      file_name: run.fileName,
      organisation_id: run.organisationId,
      created_by: run.createdByUserId ? 'user' : 'cli',
      created_by_user_id: run.createdByUserId,
      total_rows: run.totalRows,
      created_at: run.now,
      updated_at: run.now,
    })
    .onConflict((oc) => oc.columns(['source_system', 'file_sha256']).where('status', '<>', 'completed').doNothing())
    .returning(RUN_COLUMNS)
    .executeTakeFirst();
  if (inserted) return { row: inserted, resumed: false };
  const row = await db.updateTable('import_runs')
    .set({ status: 'running', failure: null, updated_at: run.now })
    .where('source_system', '=', run.sourceSystem)
    .where('file_sha256', '=', run.sha256)
    .where('status', '<>', 'completed')
    .returning(RUN_COLUMNS)
    .executeTakeFirst();
  // Finished by someone else between the two statements: start afresh.
  if (!row) return openRun(db, run);
  return { row, resumed: true };
}

export function findRun(db: DbOrTx, runId: string): Promise<ImportRunRow | undefined> {
  return db.selectFrom('import_runs').select(RUN_COLUMNS).where('id', '=', runId).executeTakeFirst();
}

export async function findUnfinishedRunId(db: DbOrTx, sourceSystem: string, sha256: Buffer): Promise<string | undefined> {
  const row = await db.selectFrom('import_runs').select('id')
    .where('source_system', '=', sourceSystem).where('file_sha256', '=', sha256).where('status', '<>', 'completed')
    .executeTakeFirst();
  return row?.id;
}

export interface BatchProgress {
  rowsDone: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejections: readonly { line: number; field: string; reason: string }[];
  now: Date;
  completed: boolean;
}

/** Commits a batch's counts and rejections together: what is recorded as done is done. */
export async function recordBatch(db: DbOrTx, runId: string, batch: BatchProgress): Promise<void> {
  if (batch.rejections.length > 0) {
    await db.insertInto('import_rejections')
      .values(batch.rejections.map((r) => ({ run_id: runId, line: r.line, field: r.field, reason: r.reason })))
      .onConflict((oc) => oc.columns(['run_id', 'line', 'field']).doNothing())
      .execute();
  }
  await db.updateTable('import_runs')
    .set((eb) => ({
      rows_done: batch.rowsDone,
      created_count: eb('created_count', '+', batch.created),
      updated_count: eb('updated_count', '+', batch.updated),
      unchanged_count: eb('unchanged_count', '+', batch.unchanged),
      rejected_count: eb('rejected_count', '+', batch.rejected),
      updated_at: batch.now,
      ...(batch.completed ? { status: 'completed' as const, finished_at: batch.now } : {}),
    }))
    .where('id', '=', runId)
    .execute();
}

export async function markFailed(db: DbOrTx, runId: string, failure: string, now: Date): Promise<void> {
  await db.updateTable('import_runs').set({ status: 'failed', failure: failure.slice(0, 500), updated_at: now })
    .where('id', '=', runId).where('status', '=', 'running').execute();
}

export function listRejections(db: DbOrTx, runId: string, limit: number) {
  return db.selectFrom('import_rejections').select(['line', 'field', 'reason'])
    .where('run_id', '=', runId).orderBy('line').orderBy('field').limit(limit).execute();
}

export async function countRejectionEntries(db: DbOrTx, runId: string): Promise<number> {
  const row = await db.selectFrom('import_rejections').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
  return row.n;
}

export function findOrganisationKind(db: DbOrTx, organisationId: string) {
  return db.selectFrom('organisations').select(['id', 'kind']).where('id', '=', organisationId).executeTakeFirst();
}

export function findInvolvementEnd(db: DbOrTx, involvementId: string) {
  return db.selectFrom('involvements').select(['ended_on']).where('id', '=', involvementId).executeTakeFirst();
}

/**
 * Runs `work` while holding a session advisory lock on this file and source, so a CLI import and
 * an upload of the same file never process it at the same time (even from two processes). The
 * lock goes with the connection: a crashed import leaves nothing locked. False if already held.
 */
export async function withImportLock<T>(db: Db, sourceSystem: string, sha256: Buffer, work: () => Promise<T>): Promise<{ locked: false } | { locked: true; value: T }> {
  const key = `signpost-import:${sourceSystem}:${sha256.toString('hex')}`;
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtextextended(${key}, 0)) AS locked`.execute(connection);
    if (!rows[0]?.locked) return { locked: false } as const;
    try {
      return { locked: true, value: await work() } as const;
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection);
    }
  });
}
