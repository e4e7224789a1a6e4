import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DomainError } from '../platform/http/errors.js';
import { CsvRecordReader, CsvSyntaxError, type CsvRecord } from './csv-records.js';
import { columnIndex, headerProblems, MAX_FEED_BYTES, MAX_FEED_ROWS, type ColumnIndex } from './feed-columns.js';

/** A feed file: read from disk by the CLI, or held in memory after an upload (never written to disk). */
export interface FeedFile {
  /** The name the sender gave it (no folders), for the summary and the status page. */
  name: string;
  size: number;
  /** A fresh stream of the bytes: the file is read once to check it and again to import it. */
  open(): Readable;
}

export async function feedFileFromPath(filePath: string): Promise<FeedFile> {
  const info = await stat(filePath).catch(() => undefined);
  if (!info?.isFile()) throw new FeedFileError(`There is no file at ${filePath}. Check the path.`);
  return { name: path.basename(filePath), size: info.size, open: () => createReadStream(filePath, { highWaterMark: 256 * 1024 }) };
}

export function feedFileFromBytes(name: string, bytes: Buffer): FeedFile {
  return { name: path.basename(name.replaceAll('\\', '/')) || 'upload.csv', size: bytes.length, open: () => Readable.from([bytes]) };
}

/**
 * Something wrong with the file as a whole, found before anything is written. The message names
 * the problem and what to do; it never quotes the file's contents.
 */
export class FeedFileError extends DomainError {
  constructor(message: string) {
    super('feed-file-invalid', 400, message);
  }
}

export interface FeedLimits {
  maxBytes: number;
  maxRows: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = { maxBytes: MAX_FEED_BYTES, maxRows: MAX_FEED_ROWS };

/** A file that passed the file-level checks, ready to import. */
export interface InspectedFeed {
  file: FeedFile;
  /** SHA-256 of the bytes: with the source system, what makes a re-run resume the same import. */
  sha256: Buffer;
  /** Data rows, header excluded. */
  totalRows: number;
  columns: ColumnIndex;
  headerLength: number;
}

const SAVE_AS = 'Save it from your spreadsheet or system as "CSV UTF-8 (comma delimited)" and try again.';

/**
 * The file-level checks, all made before anything is written: size, text rather than binary,
 * UTF-8, commas, a header of known columns with every required one, no unclosed quote, not too
 * many rows. Throws a {@link FeedFileError} naming the first problem.
 */
export async function inspectFeed(file: FeedFile, limits: FeedLimits = DEFAULT_FEED_LIMITS): Promise<InspectedFeed> {
  if (file.size > limits.maxBytes) throw new FeedFileError(`The file is ${megabytes(file.size)}; the largest Signpost takes is ${megabytes(limits.maxBytes)}. Split it into smaller files.`);
  if (file.size === 0) throw new FeedFileError('The file is empty. It needs a header row and then one row for each child.');
  let header: CsvRecord | undefined;
  let columns: ColumnIndex = new Map();
  let rows = 0;
  const records = readFeedRecords(file, limits.maxBytes);
  for (;;) {
    const next = await records.next();
    if (next.done) {
      if (!header) throw new FeedFileError('The file is empty. It needs a header row and then one row for each child.');
      return { file, sha256: next.value, totalRows: rows, columns, headerLength: header.fields.length };
    }
    if (!header) {
      header = next.value;
      checkHeader(header.fields);
      columns = columnIndex(header.fields);
      continue;
    }
    rows += 1;
    if (rows > limits.maxRows) throw new FeedFileError(`The file has more than ${limits.maxRows.toLocaleString('en-GB')} rows. Split it into smaller files.`);
  }
}

function checkHeader(fields: readonly string[]): void {
  if (fields.length === 1) {
    const only = fields[0] ?? '';
    for (const [char, name] of [[';', 'semicolons'], ['\t', 'tabs'], ['|', 'vertical bars']] as const) {
      if (only.includes(char)) throw new FeedFileError(`The columns are separated by ${name}, but Signpost needs commas. ${SAVE_AS}`);
    }
  }
  const problems = headerProblems(fields);
  if (problems.length > 0) throw new FeedFileError(`The header row has ${problems.join('; ')}. The columns are listed in the format description.`);
}

/**
 * The file's records in order (header first), checked as they stream past: binary content, bytes
 * that are not UTF-8 and an unclosed quote end it with a {@link FeedFileError}. Returns the file's
 * SHA-256 when done.
 */
export async function* readFeedRecords(file: FeedFile, maxBytes: number = MAX_FEED_BYTES): AsyncGenerator<CsvRecord, Buffer> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = new CsvRecordReader();
  let bytes = 0;
  let lines = 1;
  for await (const chunk of file.open() as AsyncIterable<Buffer>) {
    if (bytes === 0) refuseKnownBinary(chunk);
    const binaryAt = firstControlByte(chunk);
    if (binaryAt >= 0) {
      throw new FeedFileError(`The file is not a text file: it holds binary data (byte ${String(bytes + binaryAt + 1)}). ${SAVE_AS}`);
    }
    bytes += chunk.length;
    if (bytes > maxBytes) throw new FeedFileError(`The file is larger than ${megabytes(maxBytes)}. Split it into smaller files.`);
    hash.update(chunk);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new FeedFileError(`The file is not UTF-8 text: around line ${String(lines + linesBeforeBadByte(chunk))} there is a character in another encoding (such as Windows-1252). ${SAVE_AS}`);
    }
    lines += countLineBreaks(text);
    yield* parse(() => reader.read(text));
  }
  try {
    decoder.decode();
  } catch {
    throw new FeedFileError(`The file is not UTF-8 text: it ends part-way through a character. ${SAVE_AS}`);
  }
  yield* parse(() => reader.end());
  return hash.digest();
}

function* parse(step: () => CsvRecord[]): Generator<CsvRecord> {
  try {
    yield* step();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new FeedFileError(`The file is not valid CSV: ${error.message}. Check the quotes on that line.`);
    throw error;
  }
}

const MAGIC: readonly [number[], string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'This is a zip file, such as an Excel workbook (.xlsx), not a CSV file.'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'This is an older Excel workbook (.xls), not a CSV file.'],
  [[0x25, 0x50, 0x44, 0x46], 'This is a PDF, not a CSV file.'],
  [[0xff, 0xfe], 'This file is in UTF-16, not UTF-8.'],
  [[0xfe, 0xff], 'This file is in UTF-16, not UTF-8.'],
];

function refuseKnownBinary(start: Buffer): void {
  for (const [magic, what] of MAGIC) {
    if (magic.every((b, i) => start[i] === b)) throw new FeedFileError(`${what} ${SAVE_AS}`);
  }
}

/** Index of the first control byte no text file holds (tab, LF and CR are fine), or -1. */
function firstControlByte(chunk: Buffer): number {
  for (let i = 0; i < chunk.length; i += 1) {
    const b = chunk[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
  }
  return -1;
}

function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n += 1;
  }
  return n;
}

/** Line breaks in a chunk before its first byte that is not valid UTF-8 (for the error message). */
function linesBeforeBadByte(chunk: Buffer): number {
  const text = new TextDecoder('utf-8').decode(chunk);
  const bad = text.indexOf('\uFFFD');
  return countLineBreaks(bad >= 0 ? text.slice(0, bad) : text);
}

function megabytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${String(Math.ceil(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
