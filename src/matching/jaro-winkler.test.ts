import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jaro, jaroWinkler } from './jaro-winkler.js';
import { adjacentTransposition, levenshtein, oneSubstitution } from './edit-distance.js';

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-3, `${actual} ≉ ${expected}`);

test('the textbook Jaro–Winkler examples score as published (MARTHA/MARHTA, DWAYNE/DUANE, DIXON/DICKSONX)', () => {
  close(jaro('martha', 'marhta'), 0.944);
  close(jaroWinkler('martha', 'marhta'), 0.961);
  close(jaroWinkler('dwayne', 'duane'), 0.84);
  close(jaroWinkler('dixon', 'dicksonx'), 0.813);
});

test('identical names score 1, names with nothing in common score 0, and empty names never match', () => {
  assert.equal(jaroWinkler('olivia', 'olivia'), 1);
  assert.equal(jaroWinkler('abc', 'xyz'), 0);
  assert.equal(jaroWinkler('', 'amy'), 0);
  assert.equal(jaroWinkler('', ''), 0);
});

test('a keying slip in a date or number is recognised as one substitution or one transposition', () => {
  assert.ok(oneSubstitution('20120304', '20120314'));
  assert.ok(!oneSubstitution('20120304', '20120315'));
  assert.ok(adjacentTransposition('19870304', '19780304'));
  assert.ok(!adjacentTransposition('19870304', '19870304'));
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('kitten', 'sitting', 1), 2);
});
