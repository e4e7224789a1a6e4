import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseCsv, csvField, CsvError } from './csv.parse.js';
import { checkColumns, rowToPerson, type ColumnMap } from './column-map.js';
import { normaliseRecord } from './record.normalise.js';
import type { DobFormat } from './dob.parse.js';
import type { MatchRecord } from './match-record.js';
import { runBatch, type BatchResult, type ProgressReporter } from './batch.js';
import { bCubed, bestEdgeF1, calibration, edgeScores, overMerges, pairwiseScores, type CalibrationBand } from './metrics.js';
import { UsageError } from './usage-error.js';

export interface EvaluationRequest {
  files: readonly string[];
  map: ColumnMap;
  dobFormat: DobFormat;
  idColumn?: string;
  entityColumn?: string;
  entityPattern?: RegExp;
  exclude: readonly string[];
  threshold: number;
  clustersOut?: string;
  progress?: ProgressReporter;
}

/** The figures `match evaluate --json` prints, in this order. */
export interface EvaluationReport {
  records: number;
  candidate_pairs: number;
  blocking_recall: number;
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  edge_f1_at_threshold: number;
  best_f1: number;
  b3_f1: number;
  over_merges: number;
  seconds: number;
  peak_rss_mb: number;
  /** Over the scored candidate pairs: whether a probability means what it says (see `calibration`). */
  calibration: { brier: number; ece: number; bands: CalibrationBand[] };
}

export interface EvaluationDetails {
  report: EvaluationReport;
  bestThreshold: number;
  truePairs: number;
  refusedJoins: number;
  clusters: number;
  b3: { precision: number; recall: number };
  edge: { precision: number; recall: number };
  batch: BatchResult;
  /** What was read as missing, with the lines: printed on stderr, so that nothing is lost silently. */
  warnings: string[];
}

interface LoadedFile {
  ids: string[];
  entities: string[];
  records: MatchRecord[];
  warnings: string[];
}

/** "lines 4, 9 and 23", or the first few of many. */
function linesList(lines: readonly number[]): string {
  const shown = lines.slice(0, 5).map(String);
  if (lines.length > 5) return `lines ${shown.join(', ')} and ${String(lines.length - 5)} more`;
  if (shown.length === 1) return `line ${shown[0] ?? ''}`;
  return `lines ${shown.slice(0, -1).join(', ')} and ${shown.at(-1) ?? ''}`;
}

/**
 * Dates of birth that do not fit the declared format at all are read as missing. A few in a file
 * are keying errors (FEBRL has some: 19729518) and are named in a warning; most of a column is a
 * wrong --dob-format, and matching without dates would be a silent wrong answer, so it stops.
 */
function checkDates(file: string, column: string | undefined, format: DobFormat, rows: readonly string[][], header: readonly string[], lines: readonly number[], records: readonly MatchRecord[]): string[] {
  if (column === undefined) return [];
  const at = header.indexOf(column);
  const unreadable: number[] = [];
  let given = 0;
  rows.forEach((row, r) => {
    if ((row[at] ?? '') === '') return;
    given += 1;
    // normaliseRecord has parsed it already: a date given but not read is one that did not fit.
    if (records[r]?.dob === null) unreadable.push(lines[r] ?? 0);
  });
  if (unreadable.length === 0) return [];
  if (unreadable.length * 2 > given) {
    throw new UsageError(`${String(unreadable.length)} of the ${String(given)} dates of birth in column "${column}" of ${file} cannot be read as ${format} (the first on line ${String(unreadable[0])}); say how the file writes them with --dob-format`);
  }
  return [`${String(unreadable.length)} of the ${String(given)} dates of birth in column "${column}" of ${file} cannot be read as ${format} and count as missing: ${linesList(unreadable)}`];
}

function loadFile(file: string, source: 0 | 1, offset: number, request: EvaluationRequest): LoadedFile {
  if (!existsSync(file)) throw new UsageError(`file not found: ${file} — check the path`);
  let table;
  try {
    table = parseCsv(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof CsvError) throw new UsageError(`${file} is not valid CSV: ${e.message}`);
    throw e;
  }
  const { header, rows, rowLines } = table;
  if (rows.length === 0) throw new UsageError(`${file} has a header row but no records`);
  const truthColumns = [request.idColumn, request.entityColumn].filter((c): c is string => c !== undefined);
  for (const column of [...truthColumns, ...request.exclude]) {
    if (!header.includes(column)) throw new UsageError(`${file} has no column "${column}"; its columns are: ${header.join(', ')}`);
  }
  checkColumns(request.map, header, file, new Set([...truthColumns, ...request.exclude]));
  const idAt = request.idColumn ? header.indexOf(request.idColumn) : -1;
  const entityAt = request.entityColumn ? header.indexOf(request.entityColumn) : -1;
  const ids: string[] = [];
  const entities: string[] = [];
  const records: MatchRecord[] = [];
  rows.forEach((row, r) => {
    const id = idAt >= 0 ? (row[idAt] ?? '') : String(r + 1);
    let entity: string;
    if (request.entityPattern) {
      const m = request.entityPattern.exec(id);
      if (!m || m[1] === undefined) throw new UsageError(`--entity-pattern ${String(request.entityPattern)} found no capture group in id "${id}" (line ${String(rowLines[r])} of ${file}); give a regex with one (...) group that matches every id`);
      entity = m[1];
    } else {
      entity = row[entityAt] ?? '';
    }
    ids.push(id);
    entities.push(entity);
    // Only mapped columns are read here: truth columns never reach the matcher.
    records.push(normaliseRecord(rowToPerson(request.map, header, row), offset + r, source, request.dobFormat));
  });
  const warnings = checkDates(file, request.map.get('dob')?.[0], request.dobFormat, rows, header, rowLines, records);
  if (table.shortRowLines.length > 0) {
    const count = table.shortRowLines.length;
    warnings.push(`${count === 1 ? `1 row of ${file} has` : `${String(count)} rows of ${file} have`} fewer fields than the header; the missing fields count as missing: ${linesList(table.shortRowLines)}`);
  }
  return { ids, entities, records, warnings };
}

/** Runs the matcher on one file (de-duplication) or two (linkage) and scores it against the truth. */
export function evaluate(request: EvaluationRequest): EvaluationDetails {
  const started = process.hrtime.bigint();
  if (request.files.length < 1 || request.files.length > 2) throw new UsageError('give one file to de-duplicate or two files to link');
  if (!request.entityColumn && !request.entityPattern) throw new UsageError('say where the truth is: --entity <column> or --id <column> with --entity-pattern <regex>');
  if (request.entityPattern && !request.idColumn) throw new UsageError('--entity-pattern reads the --id column: give --id <column> too');
  const link = request.files.length === 2;
  const first = loadFile(request.files[0] as string, 0, 0, request);
  const second = link ? loadFile(request.files[1] as string, 1, first.records.length, request) : { ids: [], entities: [], records: [], warnings: [] };
  const records = [...first.records, ...second.records];
  const ids = [...first.ids, ...second.ids];
  const entities = [...first.entities, ...second.entities];
  const sources = link ? Int8Array.from(records, (r) => r.source) : null;

  const batch = runBatch(records, { link, threshold: request.threshold, ...(request.progress ? { progress: request.progress } : {}) });
  const clusterOf = batch.clustering.clusterOf;
  const pairwise = pairwiseScores(clusterOf, entities, sources);
  const isTrue = Array.from({ length: batch.probabilities.length }, (_, p) => entities[batch.pairs[2 * p] as number] === entities[batch.pairs[2 * p + 1] as number]);
  const truePairsBlocked = isTrue.filter(Boolean).length;
  const edge = edgeScores(batch.probabilities, isTrue, pairwise.truePairs, request.threshold);
  const best = bestEdgeF1(batch.probabilities, isTrue, pairwise.truePairs);
  const b3 = bCubed(clusterOf, entities);
  const calibrated = calibration(batch.probabilities, isTrue);

  if (request.clustersOut) {
    const lines = ['id,cluster', ...ids.map((id, i) => `${csvField(id)},${String(clusterOf[i])}`)];
    writeFileSync(request.clustersOut, `${lines.join('\n')}\n`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
  const report: EvaluationReport = {
    records: records.length,
    candidate_pairs: batch.pairs.length / 2,
    blocking_recall: round(pairwise.truePairs === 0 ? 1 : truePairsBlocked / pairwise.truePairs),
    threshold: request.threshold,
    precision: round(pairwise.precision),
    recall: round(pairwise.recall),
    f1: round(pairwise.f1),
    edge_f1_at_threshold: round(edge.f1),
    best_f1: round(best.f1),
    b3_f1: round(b3.f1),
    over_merges: overMerges(clusterOf, entities),
    seconds: round(seconds, 2),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    calibration: {
      brier: round(calibrated.brier, 6),
      ece: round(calibrated.ece, 6),
      bands: calibrated.bands.map((b) => ({ ...b, mean_predicted: round(b.mean_predicted), observed: round(b.observed) })),
    },
  };
  return {
    report,
    bestThreshold: best.threshold,
    truePairs: pairwise.truePairs,
    refusedJoins: batch.clustering.refusedJoins,
    clusters: batch.clustering.clusters,
    b3: { precision: b3.precision, recall: b3.recall },
    edge: { precision: edge.precision, recall: edge.recall },
    batch,
    warnings: [...first.warnings, ...second.warnings],
  };
}
