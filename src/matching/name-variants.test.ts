import { test } from 'node:test';
import assert from 'node:assert/strict';
import { areGivenNameVariants, canonicalGivenName } from './name-variants.js';
import { GIVEN_NAME_VARIANT_GROUPS } from './name-variants.data.js';

test('a child recorded as Billy by a school and William by health is recognised as one name', () => {
  assert.ok(areGivenNameVariants('billy', 'william'));
  assert.ok(areGivenNameVariants('liam', 'william'));
  assert.ok(areGivenNameVariants('betty', 'elizabeth'));
  assert.ok(areGivenNameVariants('eliza', 'elizabeth'));
  assert.equal(canonicalGivenName('bill'), 'william');
});

test('unrelated names and identical names are not reported as variants', () => {
  assert.ok(!areGivenNameVariants('william', 'margaret'));
  assert.ok(!areGivenNameVariants('amy', 'amy'));
  assert.ok(!areGivenNameVariants('zebedee', 'william'));
});

test('the variant list is lower case, single spaced and holds a few hundred families', () => {
  assert.ok(GIVEN_NAME_VARIANT_GROUPS.length >= 300);
  for (const group of GIVEN_NAME_VARIANT_GROUPS) assert.match(group, /^[a-z]+( [a-z]+)+$/, group);
});
