import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { leafHash, MerkleFrontier, rootOf } from './merkle.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));

test('the incremental frontier gives the RFC 9162 root for every size from 0 to 70', () => {
  const all = leaves(70);
  const frontier = new MerkleFrontier();
  assert.deepEqual(frontier.root(), rootOf([]));
  for (let n = 1; n <= 70; n++) {
    frontier.append(all[n - 1]!);
    assert.deepEqual(frontier.root(), rootOf(all.slice(0, n)), `size ${n}`);
  }
});

test('a restored frontier carries on exactly where it stopped (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (first, more) => {
      const all = leaves(first + more);
      const a = new MerkleFrontier();
      for (const leaf of all.slice(0, first)) a.append(leaf);
      const b = MerkleFrontier.restore(a.treeSize, a.subtreeRoots);
      for (const leaf of all.slice(first)) b.append(leaf);
      assert.deepEqual(b.root(), rootOf(all));
    }),
    { numRuns: 60 },
  );
});

test('leaf and node hashes use the RFC 9162 domain separation', () => {
  assert.deepEqual(leafHash(Buffer.from('a')), createHash('sha256').update(Buffer.from([0, 0x61])).digest());
  assert.equal(rootOf([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
