import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidUpn, normaliseUpn, upnCheckLetter } from './upn.js';

test('a UPN with the right check letter is valid, written in any case or with spaces', () => {
  // 8×2 + 1×4 + 2×5 + 5×10 + 1×13 = 93; 93 mod 23 = 1, the letter B.
  assert.equal(upnCheckLetter('801200005001'), 'B');
  assert.equal(isValidUpn('B801200005001'), true);
  assert.equal(isValidUpn('b801 2000 05001'), true);
  assert.equal(normaliseUpn('b801 2000 05001'), 'B801200005001');
});

test('a wrong check letter, wrong length, or the letters I, O and S are refused', () => {
  assert.equal(isValidUpn('C801200005001'), false);
  assert.equal(isValidUpn('B80120000500'), false);
  assert.equal(isValidUpn('B8012000050011'), false);
  assert.equal(isValidUpn('I801200005001'), false);
  assert.equal(isValidUpn('B80120000500S'), false);
});

test('a temporary UPN ending in a letter is checked with that letter\'s value', () => {
  const rest = '80120000500A';
  assert.equal(isValidUpn(upnCheckLetter(rest) + rest), true);
});

test('any single-digit change to a valid UPN is caught', () => {
  fc.assert(fc.property(fc.stringMatching(/^\d{12}$/), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 9 }), (rest, position, delta) => {
    const upn = upnCheckLetter(rest) + rest;
    const digit = (Number(upn[position]) + delta) % 10;
    const changed = upn.slice(0, position) + String(digit) + upn.slice(position + 1);
    return !isValidUpn(changed);
  }));
});
