/**
 * A streaming RFC 4180 reader that remembers where each record starts. Same dialect as
 * src/matching/csv.parse.ts (quoted fields, doubled quotes, commas and line breaks inside quotes,
 * CRLF, LF or CR row ends, padded fields trimmed, a leading byte-order mark ignored), but it takes
 * the text in chunks, so a 50 MB feed is never held as one string, and it reports the physical
 * line each record starts on — the number a person sees in a text editor — which `csv-parse`
 * miscounts when a quoted field holds a CRLF.
 */

/** One record and the physical line (from 1) it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

/** Feed text in chunks with `read`, take whole records out; `end()` flushes the last one. Blank lines are skipped. */
export class CsvRecordReader {
  #fields: string[] = [];
  #field = '';
  #inQuotes = false;
  /** This field was quoted: a later quote in it is literal, and an empty quoted line is not blank. */
  #quoted = false;
  /** A quote ended the previous chunk inside a quoted field: closing, or the first of a doubled pair. */
  #quoteAtChunkEnd = false;
  /** The previous character was a CR: an LF straight after it is the same line break. */
  #afterCr = false;
  #started = false;
  #line = 1;
  #recordLine = 1;
  #quoteLine = 0;

  read(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      // A byte-order mark from a spreadsheet would otherwise stick to the first column's name.
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.#quoteAtChunkEnd && i < text.length) {
      this.#quoteAtChunkEnd = false;
      if (text[i] === '"') {
        this.#field += '"';
        i += 1;
      } else {
        this.#inQuotes = false;
      }
    }
    for (; i < text.length; i += 1) {
      const ch = text[i] as string;
      if (this.#afterCr) {
        this.#afterCr = false;
        if (ch === '\n') {
          if (this.#inQuotes) this.#field += ch;
          continue;
        }
      }
      if (this.#inQuotes) {
        if (ch === '"') {
          if (i + 1 >= text.length) this.#quoteAtChunkEnd = true;
          else if (text[i + 1] === '"') {
            this.#field += '"';
            i += 1;
          } else this.#inQuotes = false;
          continue;
        }
        if (ch === '\n' || ch === '\r') {
          this.#line += 1;
          this.#afterCr = ch === '\r';
        }
        this.#field += ch;
        continue;
      }
      if (ch === '"' && !this.#quoted && this.#field.trim() === '') {
        this.#field = '';
        this.#inQuotes = true;
        this.#quoted = true;
        this.#quoteLine = this.#line;
        continue;
      }
      if (ch === ',') {
        this.#endField();
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        const record = this.#endRecord();
        if (record) out.push(record);
        this.#line += 1;
        this.#recordLine = this.#line;
        this.#afterCr = ch === '\r';
        continue;
      }
      this.#field += ch;
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.#quoteAtChunkEnd) {
      this.#quoteAtChunkEnd = false;
      this.#inQuotes = false;
    }
    if (this.#inQuotes) throw new CsvSyntaxError(`a quoted value starting on line ${String(this.#quoteLine)} is never closed`, this.#quoteLine);
    const record = this.#endRecord();
    return record ? [record] : [];
  }

  #endField(): void {
    this.#fields.push(this.#field.trim());
    this.#field = '';
    this.#quoted = false;
  }

  #endRecord(): CsvRecord | undefined {
    if (this.#fields.length === 0 && !this.#quoted && this.#field.trim() === '') {
      this.#field = '';
      return undefined;
    }
    this.#endField();
    const record = { line: this.#recordLine, fields: this.#fields };
    this.#fields = [];
    return record;
  }
}

/** Parses a whole string (for tests and small inputs). */
export function readCsvRecords(text: string): CsvRecord[] {
  const reader = new CsvRecordReader();
  return [...reader.read(text), ...reader.end()];
}
