import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { feedCsv } from '../src/imports/feed-csv.js';
import { bySourceId, connect } from './checks.js';
import type { Random } from './random.js';
import { letters, syntheticNhsNumber } from './synthetic.js';
import { exited, signpost, spawnSignpost } from './service.js';

/** The source system bulk feeds arrive as; the writers use another, so their checks stay apart. */
export const IMPORT_SYSTEM = 'chaos-import';

export interface ImportRound {
  rows: number;
  /** Rows the killed import had reported done when it was killed (its last progress line). */
  killedAfterRows: number;
  /** The row the second run said it continued after (0: it did not resume). */
  resumedAfterRow: number;
  /** How long the killed run and the resumed run took, in ms (process start included). */
  killedRunMs: number;
  resumedRunMs: number;
  lost: number;
  duplicated: number;
  problems: string[];
}

/** A feed of `rows` synthetic children, each with one involvement. Never printed. */
async function writeFeed(folder: string, round: number, rows: number, councilCode: string, random: Random): Promise<string> {
  const file = path.join(folder, `feed-${String(round)}.csv`);
  const records = Array.from({ length: rows }, (_, i) => ({
    source_id: `r${String(round)}-${String(i)}`,
    given_names: random.pick(['Ivo', 'Juno', 'Kit', 'Lena', 'Milo', 'Nell']),
    family_name: `Feedworth-${letters(round)}-${letters(i * 7919 + 1000)}`,
    nhs_number: syntheticNhsNumber(1, (round - 1) * rows + i),
    date_of_birth: `${String(random.int(2010, 2024))}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
    sex: random.pick(['male', 'female']),
    address_line_1: `${String(random.int(1, 300))} Mill Lane`,
    town: 'Leeds',
    postcode: 'LS6 2AB',
    record_trigger: 'early_help',
    trigger_date: '2026-10-01',
    responsible_council_code: councilCode,
    involvement_organisation_code: councilCode,
    involvement_role: 'allocated_social_worker',
    involvement_service: 'Assessment team',
    involvement_started_on: '2026-10-01',
    involvement_source_id: `r${String(round)}-${String(i)}/inv`,
  }));
  await writeFile(file, feedCsv(records), { mode: 0o600 });
  return file;
}

/**
 * Runs `signpost import` on a fresh feed, kill -9s it once its progress passes a random point
 * part-way, runs the same command again, and checks the feed landed whole: every row's child and
 * involvement present once, the run completed with every row counted.
 */
export async function killedImport(options: { dataDir: string; databaseUrl: () => string; round: number; rows: number; councilCode: string; random: Random }): Promise<ImportRound> {
  const { dataDir, round, rows, councilCode, random } = options;
  const file = await writeFeed(dataDir, round, rows, councilCode, random);
  const batch = Math.max(1, Math.min(100, Math.floor(rows / 4)));
  const args = ['import', file, '--source', IMPORT_SYSTEM, '--organisation', councilCode, '--batch-size', String(batch)];
  // Progress is printed after each committed batch: kill on a batch boundary 20–70% of the way,
  // never on the last one (that line comes after the run is marked completed).
  const killAt = Math.min(rows - batch, Math.max(batch, Math.floor((rows * (0.2 + random.next() * 0.5)) / batch) * batch));

  const firstStarted = Date.now();
  const first = spawnSignpost(dataDir, args);
  let killedAfterRows = 0;
  first.stdout!.resume();
  first.stderr!.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/import: (\d+)\/(\d+)/g)) {
      killedAfterRows = Number(match[1]);
      if (killedAfterRows >= killAt) first.kill('SIGKILL');
    }
  });
  await exited(first);
  const problems: string[] = [];
  if (first.signalCode !== 'SIGKILL') problems.push(`the import finished (exit ${String(first.exitCode)}) before it could be killed`);

  const killedRunMs = Date.now() - firstStarted;
  const secondStarted = Date.now();
  const second = await signpost(dataDir, args);
  const resumedRunMs = Date.now() - secondStarted;
  if (second.code !== 0) problems.push(`the resumed import exited ${String(second.code)}: ${second.stderr.split('\n').slice(-5).join(' ')}`);
  const resumedAfterRow = Number(/Continued an interrupted import of this file after row (\d+)/.exec(second.stdout)?.[1] ?? 0);
  if (first.signalCode === 'SIGKILL' && resumedAfterRow === 0) problems.push('the second run started again from the top instead of resuming');

  const counts = await countFeed(options.databaseUrl(), round, rows);
  problems.push(...counts.problems);
  return { rows, killedAfterRows, resumedAfterRow, killedRunMs, resumedRunMs, lost: counts.lost, duplicated: counts.duplicated, problems };
}

async function countFeed(databaseUrl: string, round: number, rows: number): Promise<{ lost: number; duplicated: number; problems: string[] }> {
  const client = await connect(databaseUrl);
  try {
    const problems: string[] = [];
    const involvements = await bySourceId(client, 'involvements', IMPORT_SYSTEM, `r${String(round)}-%`);
    const held = [...involvements.values()].reduce((sum, ids) => sum + ids.length, 0);
    const lost = rows - involvements.size;
    const duplicated = held - involvements.size;
    if (lost > 0) problems.push(`${String(lost)} feed rows have no involvement`);
    if (duplicated > 0) problems.push(`${String(duplicated)} feed involvements held twice`);
    // Children: each involvement's child is distinct, and the source ids map one-to-one.
    const children = (await client.query<{ n: number }>(
      'SELECT count(DISTINCT child_id)::int AS n FROM involvements WHERE source_system = $1 AND source_id LIKE $2', [IMPORT_SYSTEM, `r${String(round)}-%`],
    )).rows[0]!.n;
    if (children !== involvements.size) problems.push(`${String(involvements.size)} feed involvements belong to ${String(children)} children`);
    const run = (await client.query<{ status: string; total_rows: number; rows_done: number; counted: number; rejected_count: number }>(
      `SELECT status, total_rows, rows_done, created_count + updated_count + unchanged_count + rejected_count AS counted, rejected_count
         FROM import_runs WHERE source_system = $1 AND file_name = $2 ORDER BY created_at DESC LIMIT 1`, [IMPORT_SYSTEM, `feed-${String(round)}.csv`],
    )).rows[0];
    if (!run) problems.push('no import run recorded');
    else if (run.status !== 'completed' || run.rows_done !== rows || run.total_rows !== rows || run.rejected_count !== 0 || run.counted !== rows) {
      problems.push(`import run: ${run.status}, ${String(run.rows_done)}/${String(run.total_rows)} rows done, ${String(run.counted)} counted, ${String(run.rejected_count)} rejected`);
    }
    return { lost: Math.max(0, lost), duplicated, problems };
  } finally {
    await client.end();
  }
}
