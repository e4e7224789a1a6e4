import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  consistencyRanges, hashRanges, inclusionRanges, leafDigestOfHexSalt, leafHash, leafHashOf, MerkleFrontier, nodeHash, rootOf, verifyConsistency, verifyInclusion,
} from './merkle.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const fromMemory = (all: readonly Buffer[]) => (start: number, end: number) => Promise.resolve(all.slice(start, end));

/** PATH(m, D[n]) written straight from RFC 9162 §2.1.3.1, to check the range-based version. */
function referencePath(m: number, d: readonly Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...referencePath(m, d.slice(0, k)), rootOf(d.slice(k))] : [...referencePath(m - k, d.slice(k)), rootOf(d.slice(0, k))];
}

/** SUBPROOF(m, D[n], b) from RFC 9162 §2.1.4.1. */
function referenceSubproof(m: number, d: readonly Buffer[], whole: boolean): Buffer[] {
  if (m === d.length) return whole ? [] : [rootOf(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m <= k
    ? [...referenceSubproof(m, d.slice(0, k), whole), rootOf(d.slice(k))]
    : [...referenceSubproof(m - k, d.slice(k), false), rootOf(d.slice(0, k))];
}

test('the incremental frontier gives the RFC 9162 root for every size from 0 to 70', () => {
  const all = leaves(70);
  const frontier = new MerkleFrontier();
  assert.deepEqual(frontier.root(), rootOf([]));
  for (let n = 1; n <= 70; n++) {
    frontier.append(all[n - 1]!);
    assert.deepEqual(frontier.root(), rootOf(all.slice(0, n)), `size ${n}`);
  }
});

test('the frontier root equals the recursive MTH at random sizes (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2_000 }), (n) => {
      const all = leaves(n);
      const frontier = new MerkleFrontier();
      for (const leaf of all) frontier.append(leaf);
      assert.deepEqual(frontier.root(), rootOf(all));
    }),
    { numRuns: 40 },
  );
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
  const [a, b] = leaves(2) as [Buffer, Buffer];
  assert.deepEqual(nodeHash(a, b), createHash('sha256').update(Buffer.of(1)).update(a).update(b).digest());
  assert.equal(rootOf([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('every inclusion proof in trees of 1 to 40 leaves matches RFC 9162 and verifies; a wrong leaf, index or root does not', async () => {
  const all = leaves(41);
  for (let n = 1; n <= 40; n++) {
    const tree = all.slice(0, n);
    const root = rootOf(tree);
    for (let m = 0; m < n; m++) {
      const path = await hashRanges(inclusionRanges(m, n), fromMemory(tree));
      assert.deepEqual(path, referencePath(m, tree), `PATH(${m}, ${n})`);
      assert.ok(verifyInclusion(m, n, tree[m]!, path, root), `verify ${m} in ${n}`);
      assert.equal(verifyInclusion(m, n, leafHash(Buffer.from('forged')), path, root), false);
      if (n > 1) assert.equal(verifyInclusion((m + 1) % n, n, tree[m]!, path, root), false, `wrong index ${m} in ${n}`);
      assert.equal(verifyInclusion(m, n, tree[m]!, path, rootOf(all.slice(0, n + 1))), false, 'another tree\'s root');
      // (The size is bound to the root only by the signed checkpoint: RFC 9162's check alone accepts
      // e.g. PATH(0, 3) against size 4 with the root of 3, because the arithmetic is identical.)
    }
  }
  assert.throws(() => inclusionRanges(5, 5), RangeError);
});

test('inclusion proofs at random sizes and indexes verify (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3_000 }), fc.nat(), async (n, seed) => {
      const tree = leaves(n);
      const m = seed % n;
      const path = await hashRanges(inclusionRanges(m, n), fromMemory(tree));
      assert.ok(verifyInclusion(m, n, tree[m]!, path, rootOf(tree)));
      if (path.length > 0) assert.equal(verifyInclusion(m, n, tree[m]!, path.slice(1), rootOf(tree)), false, 'a shortened path fails');
    }),
    { numRuns: 50 },
  );
});

test('every consistency proof between trees of up to 40 leaves matches RFC 9162 and verifies; a changed old leaf does not', async () => {
  const all = leaves(40);
  for (let to = 1; to <= 40; to++) {
    for (let from = 1; from <= to; from++) {
      const proof = await hashRanges(consistencyRanges(from, to), fromMemory(all));
      assert.deepEqual(proof, from === to ? [] : referenceSubproof(from, all.slice(0, to), true), `PROOF(${from}, ${to})`);
      const fromRoot = rootOf(all.slice(0, from));
      const toRoot = rootOf(all.slice(0, to));
      assert.ok(verifyConsistency(from, to, fromRoot, toRoot, proof), `verify ${from} → ${to}`);
      // History rewritten at any old index: the new tree no longer extends the old one.
      const rewritten = [...all.slice(0, to)];
      rewritten[from - 1] = leafHash(Buffer.from('rewritten'));
      assert.equal(verifyConsistency(from, to, fromRoot, rootOf(rewritten), proof), false, `rewritten ${from} → ${to}`);
    }
  }
  assert.ok(verifyConsistency(0, 5, rootOf([]), rootOf(all.slice(0, 5)), []));
});

test('consistency proofs at random sizes verify, and not against another tree (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 0, max: 2_000 }), async (from, extra) => {
      const all = leaves(from + extra);
      const proof = await hashRanges(consistencyRanges(from, from + extra), fromMemory(all));
      const fromRoot = rootOf(all.slice(0, from));
      assert.ok(verifyConsistency(from, from + extra, fromRoot, rootOf(all), proof));
      if (extra > 0) assert.equal(verifyConsistency(from, from + extra, leafHash(Buffer.from('other')), rootOf(all), proof), false);
    }),
    { numRuns: 50 },
  );
});

test('the verifier\'s digest of a leaf (salt as hex) is the leaf hash, and a salt that is not hex never matches (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 32 }), fc.string({ unit: 'binary', maxLength: 300 }), (salt, text) => {
      const bytes = Buffer.from(salt);
      const expected = leafHashOf(bytes, text);
      assert.deepEqual(Buffer.from(leafDigestOfHexSalt(bytes.toString('hex'), text)!, 'latin1'), expected);
      assert.deepEqual(expected, leafHash(Buffer.concat([bytes, Buffer.from(text, 'utf8')])));
      assert.equal(leafDigestOfHexSalt(`${bytes.toString('hex')}0`, text), null, 'odd length');
      assert.equal(leafDigestOfHexSalt(`zz${bytes.toString('hex')}`, text), null, 'not hex');
    }),
    { numRuns: 200 },
  );
});

test('a frontier fed digests gives the same roots as one fed Buffers, and round-trips through restore', () => {
  const all = leaves(300);
  const a = new MerkleFrontier();
  const b = new MerkleFrontier();
  for (const leaf of all) {
    a.append(leaf);
    b.appendDigest(leaf.toString('latin1'));
    assert.deepEqual(b.root(), a.root());
  }
  assert.deepEqual(MerkleFrontier.restore(b.treeSize, b.subtreeRoots).root(), rootOf(all));
});
