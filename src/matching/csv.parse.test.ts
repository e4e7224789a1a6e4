import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, parseCsv, parseCsvRows, CsvError } from './csv.parse.js';

test('a feed with quoted commas, doubled quotes and CRLF line ends reads as the sender meant', () => {
  const rows = parseCsvRows('id,name,address\r\n1,"Smith, Jo","12 ""The Elms"""\r\n2,Ali,"line one\r\nline two"\r\n');
  assert.deepEqual(rows, [
    ['id', 'name', 'address'],
    ['1', 'Smith, Jo', '12 "The Elms"'],
    ['2', 'Ali', 'line one\r\nline two'],
  ]);
});

test('padded FEBRL-style fields are trimmed and empty fields stay empty', () => {
  const table = parseCsv('rec_id, given_name, surname\nrec-1-org, , waller\n');
  assert.deepEqual(table.header, ['rec_id', 'given_name', 'surname']);
  assert.deepEqual(table.rows, [['rec-1-org', '', 'waller']]);
});

test('a file without a final line break still yields its last row, and short rows are padded and noted by line', () => {
  const table = parseCsv('a,b,c\n1,2');
  assert.deepEqual(table.rows, [['1', '2', '']]);
  assert.deepEqual(table.shortRowLines, [2]);
});

test('rows know the line they start on, past blank lines and line breaks inside quotes', () => {
  const table = parseCsv('a,b\n1,"two\nlines"\n\n3,4\n');
  assert.deepEqual(table.rows, [['1', 'two\nlines'], ['3', '4']]);
  assert.deepEqual(table.rowLines, [2, 5]);
  assert.deepEqual(table.shortRowLines, []);
});

test('a row with more fields than the header is refused, naming its line', () => {
  assert.throws(() => parseCsv('name,dob\nSmith, John,2010-01-02\n'), (e: unknown) => e instanceof CsvError && /line 2 has 3 fields but the header has 2/.test(e.message));
});

test('an unterminated quote is reported with the line it started on', () => {
  assert.throws(() => parseCsvRows('a,b\n1,"oops\n2,3'), (e: unknown) => e instanceof CsvError && /line 2/.test(e.message));
});

test('values written back out are quoted only when they need it', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
});
