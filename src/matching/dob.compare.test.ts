import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDob } from './dob.compare.js';
import { makeDob, parseDob } from './dob.parse.js';

test('a date written day-first by one agency and month-first by another is seen as a swap', () => {
  assert.equal(compareDob(makeDob(2014, 3, 7), makeDob(2014, 7, 3)), 'day_month_swapped');
});

test('the same date is exact, and a swap needs the same year', () => {
  assert.equal(compareDob(makeDob(2014, 3, 7), makeDob(2014, 3, 7)), 'exact');
  assert.notEqual(compareDob(makeDob(2014, 3, 7), makeDob(2015, 7, 3)), 'day_month_swapped');
});

test('keying slips are recognised: transposed digits, one wrong digit', () => {
  assert.equal(compareDob(makeDob(2014, 3, 17), makeDob(2014, 8, 17)), 'one_digit');
  assert.equal(compareDob(makeDob(1987, 3, 7), makeDob(1978, 3, 7)), 'transposed_digits');
});

test('dates remembered a few weeks or months out fall in the ±1 month and ±1 year bands', () => {
  assert.equal(compareDob(makeDob(2014, 3, 30), makeDob(2014, 4, 20)), 'within_1_month');
  assert.equal(compareDob(makeDob(2014, 3, 30), makeDob(2014, 11, 2)), 'within_1_year');
  assert.equal(compareDob(makeDob(2014, 3, 30), makeDob(2009, 11, 2)), 'different');
});

test('dates are read in the declared format, and an impossible date keeps its digits', () => {
  assert.deepEqual(parseDob('07/03/2014', 'DD/MM/YYYY'), makeDob(2014, 3, 7));
  assert.deepEqual(parseDob('2014-03-07', 'YYYY-MM-DD'), makeDob(2014, 3, 7));
  assert.deepEqual(parseDob('20140307', 'YYYYMMDD'), makeDob(2014, 3, 7));
  const impossible = parseDob('19990231', 'YYYYMMDD');
  assert.ok(impossible);
  assert.equal(impossible.text, '19990231');
  assert.equal(impossible.dayNumber, null);
  assert.equal(parseDob('not a date', 'YYYY-MM-DD'), null);
});
