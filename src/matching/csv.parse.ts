/**
 * A small RFC 4180 CSV parser: quoted fields, doubled quotes inside quotes, commas and line breaks
 * inside quotes, CRLF or LF row ends. Every field is trimmed because real feeds (FEBRL among them)
 * pad values with spaces; an empty field after trimming is reported as missing by the caller.
 */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** The line of the file each row starts on (a quoted field may hold line breaks), for messages. */
  rowLines: number[];
  /** Lines of rows that had fewer fields than the header (padded with empty fields). */
  shortRowLines: number[];
}

export class CsvError extends Error {}

/**
 * Parses CSV text into rows of trimmed fields. A trailing line break does not add an empty row.
 * `startLines`, when given, receives the line each row starts on.
 */
export function parseCsvRows(text: string, startLines?: number[]): string[][] {
  const rows: string[][] = [];
  let rowStartLine = 1;
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let quotedFieldStartLine = 0;
  let line = 1;
  let i = 0;
  // Strip a UTF-8 byte-order mark: spreadsheets add one and it would otherwise stick to column 1.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const endField = (): void => {
    row.push(field.trim());
    field = '';
  };
  const endRow = (): void => {
    endField();
    rows.push(row);
    startLines?.push(rowStartLine);
    row = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        continue;
      }
      if (ch === '\n') line += 1;
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && field.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are padding).
      field = '';
      inQuotes = true;
      quotedFieldStartLine = line;
      i += 1;
      continue;
    }
    if (ch === ',') {
      endField();
      i += 1;
      continue;
    }
    if (ch === '\r' && text[i + 1] === '\n') {
      endRow();
      line += 1;
      rowStartLine = line;
      i += 2;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      endRow();
      line += 1;
      rowStartLine = line;
      i += 1;
      continue;
    }
    field += ch;
    i += 1;
  }
  if (inQuotes) throw new CsvError(`unterminated quoted field starting on line ${quotedFieldStartLine}`);
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/**
 * Parses CSV text whose first row is the header. Blank lines are skipped; a short row is padded
 * with empty fields (some exporters drop trailing empty fields) and its line noted; a row with
 * more fields than the header is refused, because its values have most likely shifted (a comma
 * in an unquoted value) and would be read under the wrong columns.
 */
export function parseCsv(text: string): CsvTable {
  const lines: number[] = [];
  const all = parseCsvRows(text, lines);
  const header = all.shift();
  lines.shift();
  if (!header) throw new CsvError('the file is empty: expected a header row');
  const table: CsvTable = { header, rows: [], rowLines: [], shortRowLines: [] };
  all.forEach((r, i) => {
    if (r.length === 1 && r[0] === '') return;
    const line = lines[i] ?? 0;
    if (r.length > header.length) {
      throw new CsvError(`line ${String(line)} has ${String(r.length)} fields but the header has ${String(header.length)}: is there a comma in a value that is not in quotes?`);
    }
    if (r.length < header.length) table.shortRowLines.push(line);
    table.rows.push(r.length === header.length ? r : [...r, ...Array<string>(header.length - r.length).fill('')]);
    table.rowLines.push(line);
  });
  return table;
}

/** Quotes a value for CSV output when it contains a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
