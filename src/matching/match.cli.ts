import type { Command } from 'commander';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import { parseColumnMap } from './column-map.js';
import { DOB_FORMATS, isDobFormat } from './dob.parse.js';
import { evaluate, type EvaluationDetails } from './evaluate.js';
import { DEFAULT_THRESHOLD } from './batch.js';
import { calibrationTable } from './metrics.js';
import { UsageError } from './usage-error.js';
import type { Db } from '../platform/db/database.js';
import type { Clock } from '../platform/time/clock.js';
import type { ChildrenService } from '../children/children.service.js';
import { runDedupe } from './dedupe.js';
import { childScorer } from './child-model.js';
import { AUTO_LINK_THRESHOLD, REVIEW_THRESHOLD } from './online-match.js';

/** Runs work with the index's database and children service (the CLI opens and closes them). */
export type WithIndex = <T>(work: (deps: { db: Db; children: ChildrenService; clock: Clock }) => Promise<T>) => Promise<T>;

interface EvaluateOptions {
  map: string;
  dobFormat: string;
  id?: string;
  entity?: string;
  entityPattern?: string;
  exclude?: string;
  threshold?: string;
  json?: boolean;
  clustersOut?: string;
}

/** Stages with fewer items than this finish too fast to need a progress bar. */
const PROGRESS_FROM = 200_000;

function parseRegex(text: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(text);
  } catch (e) {
    throw new UsageError(`--entity-pattern is not a valid regular expression (${(e as Error).message}); e.g. 'rec-(\\d+)-'`);
  }
  if (new RegExp(`${text}|`).exec('')?.length !== 2) {
    throw new UsageError(`--entity-pattern needs exactly one capture group (...) around the part of the id that names the person; e.g. 'rec-(\\d+)-'`);
  }
  return regex;
}

function parseThreshold(text: string | undefined): number {
  if (text === undefined) return DEFAULT_THRESHOLD;
  const t = Number(text);
  if (!Number.isFinite(t) || t <= 0 || t >= 1) throw new UsageError(`--threshold must be a probability strictly between 0 and 1 (got "${text}")`);
  return t;
}

function printTable(details: EvaluationDetails): void {
  const r = details.report;
  const pct = (x: number): string => x.toFixed(4);
  const rows: [string, string][] = [
    ['records', String(r.records)],
    ['candidate pairs', String(r.candidate_pairs)],
    ['true pairs', String(details.truePairs)],
    ['blocking recall', pct(r.blocking_recall)],
    ['threshold (declared)', String(r.threshold)],
    ['pairwise precision', pct(r.precision)],
    ['pairwise recall', pct(r.recall)],
    ['pairwise F1', pct(r.f1)],
    ['edge F1 at threshold', `${pct(r.edge_f1_at_threshold)} (precision ${pct(details.edge.precision)}, recall ${pct(details.edge.recall)})`],
    ['best edge F1 (oracle)', `${pct(r.best_f1)} at p=${details.bestThreshold.toPrecision(3)}`],
    ['B-cubed F1', `${pct(r.b3_f1)} (precision ${pct(details.b3.precision)}, recall ${pct(details.b3.recall)})`],
    ['over-merged clusters', String(r.over_merges)],
    ['clusters', String(details.clusters)],
    ['joins refused by guards', String(details.refusedJoins)],
    ['seconds', r.seconds.toFixed(2)],
    ['pairs scored per second', String(Math.round(r.candidate_pairs / Math.max(r.seconds, 1e-6)))],
    ['peak memory (MB)', String(r.peak_rss_mb)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  const c = r.calibration;
  console.log(`\ncalibration over the scored pairs (Brier ${c.brier.toFixed(5)}, expected calibration error ${c.ece.toFixed(5)})`);
  for (const line of calibrationTable(c.bands, 'truly one person')) console.log(line);
}

/** Adds `match evaluate` and `match dedupe` (and their help) to a commander program. */
export function registerMatchCommands(program: Command, withIndex?: WithIndex): void {
  const match = program.command('match').description('match records of the same child across feeds');
  if (withIndex) {
    match
      .command('dedupe')
      .description(`scan the whole child index for records of one child and put every pair scoring at least ${String(REVIEW_THRESHOLD)} (including those at or above ${String(AUTO_LINK_THRESHOLD)}) in the review queue; never merges. Resumable: run it again to carry on`)
      .option('--restart', 'forget the saved position and scan from the start (pairs already queued are not queued again)')
      .option('--run <name>', 'name of the saved position, to keep separate scans apart', 'default')
      .action(async (options: { restart?: boolean; run: string }) => {
        const progressBar = cliProgressBar();
        const result = await withIndex((deps) => runDedupe({ ...deps, scorer: childScorer() }, { runId: options.run, restart: options.restart ?? false, onProgress: progressBar.report })).finally(() => progressBar.stop());
        if (result.finished && result.rowsScanned === 0 && !result.resumed) {
          console.log(`This scan ("${options.run}") has already finished: ${String(result.itemsWritten)} pairs were queued. Use --restart to scan again.`);
          return;
        }
        console.log(`${result.resumed ? 'Resumed and finished' : 'Finished'}: ${String(result.pairsScored)} pairs scored, ${String(result.itemsWritten)} new pairs in the review queue${result.oversizedBlocks > 0 ? `, ${String(result.oversizedBlocks)} blocks too large to score skipped` : ''}. Nothing was merged: review the pairs at /match-review.`);
      });
  }
  const evaluateCommand = match
    .command('evaluate')
    .description('de-duplicate one CSV file (or link two) and score the result against truth columns the matcher never sees')
    .argument('<file.csv>', 'records to de-duplicate (or the first file to link)')
    .argument('[second.csv]', 'second file: link the two files instead of de-duplicating')
    .requiredOption(
      '--map <fields>',
      'which columns feed which fields, e.g. given_name=first,family_name=surname,dob=birth_date,address=line1+line2; fields: given_name, middle_names, family_name, former_family_names, full_name, dob, sex, postcode, address, town, email, phone, identifier',
    )
    .option('--dob-format <format>', `how dates of birth are written: ${DOB_FORMATS.join(', ')}`, 'YYYY-MM-DD')
    .option('--id <column>', 'column that identifies each record (written to --clusters-out)')
    .option('--entity <column>', 'truth column: records with the same value are the same person')
    .option('--entity-pattern <regex>', 'truth from the --id column: a regex whose one capture group names the person, e.g. "rec-(\\d+)-"')
    .option('--exclude <columns>', 'comma-separated columns that must never reach the matcher')
    .option('--threshold <p>', `match probability at which records are joined (default: the operating point ${DEFAULT_THRESHOLD})`)
    .option('--json', 'print one JSON object instead of a table')
    .option('--clusters-out <file.csv>', 'write id,cluster for every record, singletons included')
    .action((file: string, second: string | undefined, options: EvaluateOptions) => {
      const progressBar = cliProgressBar();
      try {
        if (options.entity && options.entityPattern) throw new UsageError('give either --entity or --entity-pattern, not both');
        if (!isDobFormat(options.dobFormat)) throw new UsageError(`--dob-format "${options.dobFormat}" is not supported; use one of ${DOB_FORMATS.join(', ')}`);
        const details = evaluate({
          files: second ? [file, second] : [file],
          map: parseColumnMap(options.map),
          dobFormat: options.dobFormat,
          ...(options.id ? { idColumn: options.id } : {}),
          ...(options.entity ? { entityColumn: options.entity } : {}),
          ...(options.entityPattern ? { entityPattern: parseRegex(options.entityPattern) } : {}),
          exclude: (options.exclude ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''),
          threshold: parseThreshold(options.threshold),
          ...(options.clustersOut ? { clustersOut: options.clustersOut } : {}),
          progress: (stage, done, total) => {
            if (total >= PROGRESS_FROM) progressBar.report(stage, done, total);
          },
        });
        progressBar.stop();
        for (const warning of details.warnings) console.error(`warning: ${warning}`);
        if (options.json) console.log(JSON.stringify(details.report));
        else printTable(details);
      } catch (error) {
        progressBar.stop();
        if (error instanceof UsageError) evaluateCommand.error(`error: ${error.message}`, { exitCode: 2, code: 'signpost.match.usage' });
        throw error;
      }
    });
}
