import { csvField } from '../matching/csv.parse.js';
import { FEED_COLUMNS } from './feed-columns.js';

/**
 * Writes rows (column name → value) as a feed file, columns in the documented order, CRLF line
 * ends as spreadsheets write them. For generating feeds (demo data, benchmarks, tests).
 */
export function feedCsv(rows: readonly Readonly<Record<string, string>>[], columns?: readonly string[]): string {
  const used = columns ?? FEED_COLUMNS.map((c) => c.name).filter((name) => rows.some((r) => name in r) || REQUIRED_IN_EVERY_FILE.has(name));
  const lines = [used.join(','), ...rows.map((row) => used.map((c) => csvField(row[c] ?? '')).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

const REQUIRED_IN_EVERY_FILE = new Set(FEED_COLUMNS.filter((c) => c.required).map((c) => c.name));

/** The rejected rows as CSV (line, column, reason), written beside the file by the CLI. */
export function rejectionsCsv(rejections: readonly { line: number; field: string; reason: string }[]): string {
  const lines = ['line,column,reason', ...rejections.map((r) => [String(r.line), csvField(r.field), csvField(r.reason)].join(','))];
  return `${lines.join('\n')}\n`;
}
