import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { csvField } from '../matching/csv.parse.js';
import { CsvRecordReader, CsvSyntaxError, readCsvRecords } from './csv-records.js';
import { columnForField, headerProblems, readFeedRow, columnIndex } from './feed-columns.js';

test('each record carries the physical line it starts on, counting line breaks inside quotes once', () => {
  const text = '\uFEFFa,b\r\n1,"two\r\nlines"\r\n\r\n3,"x ""q"", y"\n4,"cr\ronly"\r5,last';
  assert.deepEqual(readCsvRecords(text), [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['1', 'two\r\nlines'] },
    { line: 5, fields: ['3', 'x "q", y'] },
    { line: 6, fields: ['4', 'cr\ronly'] },
    { line: 8, fields: ['5', 'last'] },
  ]);
});

test('an unclosed quote names the line it opened on', () => {
  assert.throws(() => readCsvRecords('a,b\n1,2\n3,"open\n4,5\n'), (e: unknown) => e instanceof CsvSyntaxError && e.line === 3);
});

test('however the text is cut into chunks, the records and their lines are the same', () => {
  const field = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('"', '""', ',', '\r\n', '\n', '\r', ' a ', ''));
  const eol = fc.constantFrom('\n', '\r\n', '\r');
  fc.assert(
    fc.property(
      fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
      eol,
      fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 30 }),
      (rows, lineEnd, cuts) => {
        // Quote every field so empty rows stay rows; the reader trims, so compare trimmed values.
        const text = rows.map((r) => r.map((f) => `"${f.replaceAll('"', '""')}"`).join(',')).join(lineEnd) + lineEnd;
        const whole = readCsvRecords(text);
        assert.deepEqual(whole.map((r) => r.fields), rows.map((r) => r.map((f) => f.trim())));
        // The physical line of each record is one more than the line breaks before it.
        let breaks = 0;
        rows.forEach((row, i) => {
          assert.equal(whole[i]?.line, breaks + 1);
          breaks += 1 + row.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g) ?? []).length, 0);
        });
        const reader = new CsvRecordReader();
        const chunked = [];
        let at = 0;
        for (const cut of cuts) {
          chunked.push(...reader.read(text.slice(at, at + cut)));
          at += cut;
        }
        chunked.push(...reader.read(text.slice(at)), ...reader.end());
        assert.deepEqual(chunked, whole);
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

test('unquoted fields are trimmed and a quote inside a value is kept, as the matcher\'s parser does', () => {
  assert.deepEqual(readCsvRecords(' a , b"c ,"d"\n').map((r) => r.fields), [['a', 'b"c', 'd']]);
  assert.equal(csvField('b"c'), '"b""c"');
});

test('a row becomes the validator\'s input; yes/no columns take yes, no, y, n, true, false, 1, 0 or nothing', () => {
  const header = ['source_id', 'given_names', 'family_name', 'former_family_names', 'unborn', 'no_known_address', 'carer_name', 'carer_relationship', 'carer_parental_responsibility', 'sex'];
  const columns = columnIndex(header.map((h) => h.toUpperCase()));
  const { row, problems } = readFeedRow(['S1', 'Ann', 'Lee', 'Smith; ;Jones', 'no', 'Y', 'Pat', 'father', 'maybe', 'Female'], columns);
  assert.deepEqual(problems, { carer_parental_responsibility: 'Enter yes or no' });
  assert.deepEqual(row.child.formerFamilyNames, ['Smith', 'Jones']);
  assert.equal(row.child.noKnownAddress, true);
  assert.equal(row.child.unborn, false);
  assert.equal(row.child.sex, 'female');
  assert.deepEqual(row.child.parentsCarers?.map((c) => [c.name, c.relationship]), [['Pat', 'father']]);
  assert.equal(row.involvement, null);
});

test('validator fields map back to the columns a person fixes', () => {
  assert.equal(columnForField('parentsCarers.0.phone'), 'carer_phone');
  assert.equal(columnForField('address.postcode'), 'postcode');
  assert.equal(columnForField('address.lines'), 'address_line_1');
  assert.equal(columnForField('responsibleCouncilCode'), 'responsible_council_code');
  assert.equal(columnForField('organisationId'), 'involvement_organisation_code');
});

test('a header is checked for unknown, repeated and missing columns', () => {
  const required = ['source_id', 'given_names', 'family_name', 'date_of_birth', 'sex', 'record_trigger', 'trigger_date', 'responsible_council_code'];
  assert.deepEqual(headerProblems(required), []);
  assert.deepEqual(headerProblems([...required, 'Postcode ']), []);
  assert.deepEqual(headerProblems([...required.slice(1), 'colour']), ['unknown column "colour"', 'missing required column "source_id"']);
});
