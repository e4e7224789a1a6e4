import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { generateChildren } from '../../src/demo/children-generator.js';
import { feedCsv } from '../../src/imports/feed-csv.js';
import { ukDate } from '../../src/platform/time/calendar-date.js';
import { startCpuMeter, type CpuUsed } from '../cpu-time.js';
import { median, round2 } from '../stats.js';
import { runMeasuredCli } from '../measured-cli.js';
import type { WorldContext } from '../world-context.js';

export interface FeedImportResult {
  rows: number;
  /** The import itself (validation, matching against the index, sealing, audit): records/s from its run's start to its end, median of runs. */
  importPerSecond: number;
  /** The whole `signpost import` command, process start-up and connecting included: records/s, median of runs. */
  commandPerSecond: number;
  peakRssMb: number;
  /**
   * The same file imported again, every row unchanged (a nightly full extract): records/s by the
   * run's clock, median of runs.
   */
  reimportPerSecond: number;
  /** Plain server-side `COPY` of the same file into a table of text columns, rows/s. */
  copyPerSecond: number;
  /** import ÷ COPY. */
  ratio: number;
  /**
   * CPU (ms) a row of the first import took, the command's and PostgreSQL's, and PostgreSQL's part
   * (bench/cpu-time.ts), medians of runs; absent where /proc cannot be read. The command's
   * start-up (loading, connecting, the schema check) is taken off: the CPU `signpost orgs list`
   * took in the same run, which starts up the same way. Two cores give at most 2,000 ÷ this rows
   * a second.
   */
  cpuMsPerRow?: number;
  postgresCpuMsPerRow?: number;
}

/** A feed of new children from another agency (a seed the world was not made with), as CSV. */
function feedFor(run: number, rows: number): string {
  const today = ukDate(new Date());
  const records = [...generateChildren({ seed: 70_000 + run, count: rows, today })].map((c) => {
    const address = c.identity.address;
    return {
      source_id: `bench-${run}-${c.seq}`,
      given_names: c.identity.givenNames ?? '',
      family_name: c.identity.familyName,
      date_of_birth: c.identity.dateOfBirth,
      unborn: c.unborn ? 'yes' : 'no',
      sex: c.sex,
      nhs_number: c.identity.nhsNumber ?? '',
      address_line_1: address.kind === 'known' ? (address.lines[0] ?? '') : '',
      town: address.kind === 'known' ? address.town : '',
      postcode: address.kind === 'known' ? address.postcode : '',
      no_known_address: address.kind === 'known' ? 'no' : 'yes',
      record_trigger: c.recordTrigger,
      trigger_date: c.triggerDate,
      responsible_council_code: c.councilCode,
    };
  });
  return feedCsv(records);
}

/** The latest completed run of a source by its own clock: from the moment it was opened (the file already checked) to its last batch. */
async function runSeconds(world: WorldContext, source: string): Promise<number> {
  const { rows: [run] } = await sql<{ seconds: number }>`
    SELECT extract(epoch FROM finished_at - created_at)::float8 AS seconds FROM import_runs
    WHERE source_system = ${source} AND status = 'completed' ORDER BY created_at DESC LIMIT 1`.execute(world.runtime.db);
  if (!run) throw new Error('the benchmark import did not complete');
  return run.seconds;
}

/** The same file through PostgreSQL's own COPY, as the schema's owner, into a throwaway table. */
async function copyFile(ownerUrl: string, file: string, csv: string): Promise<number> {
  const header = csv.slice(0, csv.indexOf('\r\n')).split(',');
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_feed_copy');
    await client.query(`CREATE TABLE bench_feed_copy (${header.map((h) => `"${h}" text`).join(', ')})`);
    const started = performance.now();
    await client.query(`COPY bench_feed_copy FROM '${file}' WITH (FORMAT csv, HEADER true)`);
    const seconds = (performance.now() - started) / 1000;
    await client.query('DROP TABLE bench_feed_copy');
    return seconds;
  } finally {
    await client.end();
  }
}

/** Runs `signpost <args>` on the world (runMeasuredCli) and the CPU it took, the command's own (this process waits for it) and PostgreSQL's. */
async function measuredCommand(world: WorldContext, args: readonly string[]): Promise<Awaited<ReturnType<typeof runMeasuredCli>> & { cpu: CpuUsed | undefined }> {
  const meter = startCpuMeter({ app: 'children', postgres: () => world.postgresPids() });
  const run = await runMeasuredCli(world.children, args);
  return { ...run, cpu: meter.stop() };
}

/**
 * A feed import with matching (each row searched against the index before it is linked or
 * created), against plain COPY of the same rows. Each run imports a new feed, so the index grows
 * by `rows` per run; the world stays usable for the other scenarios.
 */
export async function benchFeedImport(world: WorldContext, options: { rows: number; runs: number }): Promise<FeedImportResult> {
  const ownerUrl = world.runtime.embedded?.url;
  if (!ownerUrl) throw new Error('the feed-import benchmark needs the embedded server');
  const imports: number[] = [];
  const reimports: number[] = [];
  const commands: number[] = [];
  const copies: number[] = [];
  const cpuMs: number[] = [];
  const postgresCpuMs: number[] = [];
  let peakRssMb = 0;
  for (let run = 0; run < options.runs; run++) {
    const source = `bench-feed-${Date.now()}-${run}`;
    const csv = feedFor(Date.now() % 100_000 + run, options.rows);
    // Readable by the server's own user, which reads the file for COPY.
    const file = path.join(os.tmpdir(), `${source}.csv`);
    await writeFile(file, csv, { mode: 0o644 });
    try {
      const startUp = (await measuredCommand(world, ['orgs', 'list'])).cpu;
      const imported = await measuredCommand(world, ['import', file, '--source', source, '--organisation', 'LEE']);
      const { cpu } = imported;
      if (cpu && startUp) {
        cpuMs.push((cpu.appMs + cpu.postgresMs - startUp.appMs - startUp.postgresMs) / options.rows);
        postgresCpuMs.push((cpu.postgresMs - startUp.postgresMs) / options.rows);
      }
      commands.push(options.rows / imported.seconds);
      imports.push(options.rows / (await runSeconds(world, source)));
      // Again: a new run of the same file, every row already there as it was sent.
      await runMeasuredCli(world.children, ['import', file, '--source', source, '--organisation', 'LEE']);
      reimports.push(options.rows / (await runSeconds(world, source)));
      peakRssMb = Math.max(peakRssMb, imported.peakRssMb);
      copies.push(options.rows / (await copyFile(ownerUrl, file, csv)));
    } finally {
      await rm(file, { force: true });
      await rm(`${file}.rejections.csv`, { force: true });
    }
  }
  const importPerSecond = Math.round(median(imports));
  const reimportPerSecond = Math.round(median(reimports));
  const commandPerSecond = Math.round(median(commands));
  const copyPerSecond = Math.round(median(copies));
  return {
    rows: options.rows, importPerSecond, reimportPerSecond, commandPerSecond, peakRssMb, copyPerSecond, ratio: Number((importPerSecond / copyPerSecond).toPrecision(2)),
    ...(cpuMs.length > 0 ? { cpuMsPerRow: round2(median(cpuMs)), postgresCpuMsPerRow: round2(median(postgresCpuMs)) } : {}),
  };
}
