import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { completeNhsNumber, formatNhsNumber, isTestRangeNhsNumber, isValidNhsNumber, nhsCheckDigit } from './nhs-number.js';

test('a published example NHS number is valid and a one-digit change is not', () => {
  // 943 476 5919 is the NHS Data Dictionary's worked example.
  assert.equal(isValidNhsNumber('943 476 5919'), true);
  assert.equal(isValidNhsNumber('9434765919'), true);
  assert.equal(isValidNhsNumber('943-476-5919'), true);
  assert.equal(isValidNhsNumber('9434765918'), false);
  assert.equal(isValidNhsNumber('943476591'), false);
  assert.equal(isValidNhsNumber('94347659190'), false);
  assert.equal(isValidNhsNumber('943476591X'), false);
});

test('nine digits whose check value would be 10 can never form an NHS number', () => {
  // 000000001: 1×2 = 2, 11 − 2 = 9.  000000006: 6×2 = 12, 12 mod 11 = 1, 11 − 1 = 10: impossible.
  assert.equal(nhsCheckDigit('000000001'), 9);
  assert.equal(nhsCheckDigit('000000006'), null);
  assert.equal(completeNhsNumber('000000006'), null);
  // Remainder 0 gives 11, written as 0.
  assert.equal(nhsCheckDigit('000000000'), 0);
});

test('every completed number validates, and changing any single digit breaks it', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), (n, position, delta) => {
    const full = completeNhsNumber(String(n).padStart(9, '0'));
    if (full === null) return;
    assert.equal(isValidNhsNumber(full), true);
    const digits = Array.from({ length: 10 }, (_, i) => full[i]!);
    digits[position] = String((Number(digits[position]) + delta) % 10);
    assert.equal(isValidNhsNumber(digits.join('')), false);
  }));
});

test('the test range is recognised and numbers print in 3-3-4 groups', () => {
  assert.equal(isTestRangeNhsNumber('999 000 0000'), true);
  assert.equal(isTestRangeNhsNumber('9434765919'), false);
  assert.equal(formatNhsNumber('9990001234'), '999 000 1234');
});
