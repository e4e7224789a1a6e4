/**
 * A small RFC 4180 CSV parser: quoted fields, doubled quotes inside quotes, commas and line breaks
 * inside quotes, CRLF or LF row ends. Every field is trimmed because real feeds (FEBRL among them)
 * pad values with spaces; an empty field after trimming is reported as missing by the caller.
 */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

export class CsvError extends Error {}

/** Parses CSV text into rows of trimmed fields. A trailing line break does not add an empty row. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
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
      i += 2;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      endRow();
      line += 1;
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

/** Parses CSV text whose first row is the header; short rows are padded with empty fields. */
export function parseCsv(text: string): CsvTable {
  const all = parseCsvRows(text);
  const header = all.shift();
  if (!header) throw new CsvError('the file is empty: expected a header row');
  const rows = all
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r) => (r.length >= header.length ? r : [...r, ...Array<string>(header.length - r.length).fill('')]));
  return { header, rows };
}

/** Quotes a value for CSV output when it contains a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
