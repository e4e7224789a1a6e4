import crypto from 'node:crypto';

/**
 * One-shot SHA-256. `crypto.hash` (Node ≥ 20.12) skips the Hash object and is ~1.7× faster for
 * small inputs, which is most of what verifying a million-entry log costs; older Node falls back.
 */
export const sha256: (data: Buffer) => Buffer = typeof crypto.hash === 'function'
  ? (data) => crypto.hash('sha256', data, 'buffer')
  : (data) => crypto.createHash('sha256').update(data).digest();

/**
 * SHA-256 as a 32-character latin1 string, one character a byte: a *digest*, in this file's
 * words. Node 20 makes a Buffer result through a slow path (a fresh ArrayBuffer each time):
 * measured here, 65 bytes hash in ~950 ns into a Buffer but ~370 ns into a latin1 string, and
 * the strings are cheap young garbage. The verifier's hot path (two hashes an entry) uses digests.
 * ('binary' is Node's name for latin1.)
 */
export const sha256Digest: (data: Uint8Array) => string = typeof crypto.hash === 'function'
  ? (data) => crypto.hash('sha256', data, 'binary')
  : (data) => crypto.createHash('sha256').update(data).digest('binary');

const LEAF_PREFIX = Buffer.of(0);
const NODE_PREFIX = Buffer.of(1);

/**
 * Merkle tree hashing as in RFC 9162 (Certificate Transparency 2.0) §2.1: leaves are hashed with a
 * 0x00 prefix and interior nodes with 0x01, so a leaf can never pass for a node.
 */
export function leafHash(data: Buffer): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, data]));
}

/**
 * Scratch space for hash inputs. Verifying allocates nothing per hash but the digest: at a
 * hundred thousand entries a second, garbage collection was the largest single cost. Safe because
 * hashing is synchronous and copies its input.
 */
let scratch = Buffer.allocUnsafe(4096);
const nodeScratch = Buffer.alloc(65, 1);

/** HASH(0x01 ‖ left ‖ right), an interior node. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) return sha256(Buffer.concat([NODE_PREFIX, left, right]));
  left.copy(nodeScratch, 1);
  right.copy(nodeScratch, 33);
  return sha256(nodeScratch);
}

/** nodeHash on digests (32-character latin1 strings), for the frontier. */
function nodeDigest(left: string, right: string): string {
  nodeScratch.write(left, 1, 'latin1');
  nodeScratch.write(right, 33, 'latin1');
  return sha256Digest(nodeScratch);
}

/** Writes 0x00 ‖ bytes ‖ UTF-8 of text into the scratch buffer; returns how many bytes. */
function leafInput(bytes: Buffer, text: string): number {
  // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
  const most = 1 + bytes.length + text.length * 3;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(most * 2);
  scratch[0] = 0;
  bytes.copy(scratch, 1);
  return 1 + bytes.length + scratch.write(text, 1 + bytes.length, 'utf8');
}

/** leafHash(bytes ‖ UTF-8 of text) without building the concatenation. */
export function leafHashOf(bytes: Buffer, text: string): Buffer {
  return sha256(scratch.subarray(0, leafInput(bytes, text)));
}

/**
 * leafHashOf for the verifier, which reads the salt as hex text (no Buffer to allocate per row)
 * and gets back a digest (see sha256Digest). An odd-length or non-hex salt cannot be an
 * entry's: it gives null, which never equals a stored hash.
 */
export function leafDigestOfHexSalt(saltHex: string, text: string): string | null {
  const saltBytes = saltHex.length / 2;
  const most = 1 + saltBytes + text.length * 3;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(most * 2);
  scratch[0] = 0;
  // Buffer.write stops at the first character that is not hex, so a short count means a bad salt.
  if (!Number.isInteger(saltBytes) || scratch.write(saltHex, 1, 'hex') !== saltBytes) return null;
  return sha256Digest(scratch.subarray(0, 1 + saltBytes + scratch.write(text, 1 + saltBytes, 'utf8')));
}

const EMPTY_ROOT = sha256(Buffer.alloc(0));

/** The largest power of two strictly below n (n ≥ 2). Arithmetic, not bit operators: sizes may pass 2^31. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) computed directly from the definition; the reference the fast path is tested against. */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(rootOf(leaves.slice(0, k)), rootOf(leaves.slice(k)));
}

/**
 * The roots of the perfect subtrees that make up a tree of n leaves (one per set bit of n,
 * largest first). Appending a leaf merges equal-sized subtrees like binary carry, so a tree of
 * millions of entries grows in O(log n) per entry, and the root folds the frontier right to left.
 * The roots are held as digests (latin1 strings, see sha256Digest) so that appending allocates no
 * Buffer; Buffers come in and go out only at the edges (restore, append, root, subtreeRoots).
 */
export class MerkleFrontier {
  private size = 0;
  private roots: string[] = [];

  static restore(size: number, roots: readonly Buffer[]): MerkleFrontier {
    const frontier = new MerkleFrontier();
    frontier.size = size;
    frontier.roots = roots.map((root) => root.toString('latin1'));
    return frontier;
  }

  get treeSize(): number {
    return this.size;
  }

  get subtreeRoots(): readonly Buffer[] {
    return this.roots.map((root) => Buffer.from(root, 'latin1'));
  }

  append(leaf: Buffer): void {
    if (leaf.length !== 32) throw new RangeError('a leaf hash is 32 bytes');
    this.appendDigest(leaf.toString('latin1'));
  }

  /** Appends a leaf hash given as a digest (a 32-character latin1 string). */
  appendDigest(leaf: string): void {
    let node = leaf;
    // Each trailing 1-bit of the old size is a perfect subtree of the same size to merge with.
    for (let n = this.size; n % 2 === 1; n = Math.floor(n / 2)) node = nodeDigest(this.roots.pop()!, node);
    this.roots.push(node);
    this.size += 1;
  }

  root(): Buffer {
    if (this.roots.length === 0) return EMPTY_ROOT;
    let node = this.roots[this.roots.length - 1]!;
    for (let i = this.roots.length - 2; i >= 0; i--) node = nodeDigest(this.roots[i]!, node);
    return Buffer.from(node, 'latin1');
  }
}

/** A half-open run of leaf indexes [start, end) whose MTH is one element of a proof. */
export interface LeafRange {
  start: number;
  end: number;
}

/**
 * Which subtrees make up the audit path PATH(m, D[n]) of RFC 9162 §2.1.3.1, lowest first. Proofs
 * are described as ranges so the caller can hash them from wherever the leaves live (memory or
 * the database) without holding the whole tree.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const ranges: LeafRange[] = [];
  const path = (m: number, start: number, end: number): void => {
    if (end - start <= 1) return;
    const k = splitPoint(end - start);
    if (m < k) {
      path(m, start, start + k);
      ranges.push({ start: start + k, end });
    } else {
      path(m - k, start + k, end);
      ranges.push({ start, end: start + k });
    }
  };
  path(index, 0, size);
  return ranges;
}

/**
 * Which subtrees make up the consistency proof PROOF(m, D[n]) of RFC 9162 §2.1.4.1 between an
 * older tree of `from` leaves and a newer one of `to`. Empty when from is 0 or equals to.
 */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  const ranges: LeafRange[] = [];
  if (from === 0 || from === to) return ranges;
  const subproof = (m: number, start: number, end: number, whole: boolean): void => {
    if (m === end - start) {
      if (!whole) ranges.push({ start, end });
      return;
    }
    const k = splitPoint(end - start);
    if (m <= k) {
      subproof(m, start, start + k, whole);
      ranges.push({ start: start + k, end });
    } else {
      subproof(m - k, start + k, end, false);
      ranges.push({ start, end: start + k });
    }
  };
  subproof(from, 0, to, true);
  return ranges;
}

/** The MTH of each range, hashed from leaves read through `leavesIn` (any source, in index order). */
export async function hashRanges(ranges: readonly LeafRange[], leavesIn: (start: number, end: number) => Promise<readonly Buffer[]>): Promise<Buffer[]> {
  const CHUNK = 10_000;
  const hashes: Buffer[] = [];
  for (const range of ranges) {
    const frontier = new MerkleFrontier();
    for (let at = range.start; at < range.end; at += CHUNK) {
      const leaves = await leavesIn(at, Math.min(range.end, at + CHUNK));
      if (leaves.length !== Math.min(range.end, at + CHUNK) - at) throw new RangeError(`leaves ${at}… are missing`);
      for (const leaf of leaves) frontier.append(leaf);
    }
    hashes.push(frontier.root());
  }
  return hashes;
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: does `path` prove the leaf at `index` is in the tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Buffer, path: readonly Buffer[], root: Buffer): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `to` leaves with `toRoot` extends the tree of
 * `from` leaves with `fromRoot` (nothing before `from` was changed, removed or reordered)?
 */
export function verifyConsistency(from: number, to: number, fromRoot: Buffer, toRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to) return false;
  if (from === to) return proof.length === 0 && fromRoot.equals(toRoot);
  // An empty tree is a prefix of every tree; there is nothing to prove.
  if (from === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(fromRoot) && sr.equals(toRoot) && sn === 0;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && splitPoint(n * 2) === n;
}
