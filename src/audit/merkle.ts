import { createHash } from 'node:crypto';

/**
 * Merkle tree hashing as in RFC 9162 (Certificate Transparency 2.0) §2.1: leaves are hashed with a
 * 0x00 prefix and interior nodes with 0x01, so a leaf can never pass for a node.
 */
export function leafHash(data: Buffer): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(data).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

const EMPTY_ROOT = createHash('sha256').digest();

/** MTH(D[n]) computed directly from the definition; the reference the fast path is tested against. */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(rootOf(leaves.slice(0, k)), rootOf(leaves.slice(k)));
}

/**
 * The roots of the perfect subtrees that make up a tree of n leaves (one per set bit of n,
 * largest first). Appending a leaf merges equal-sized subtrees like binary carry, so a tree of
 * millions of entries grows in O(log n) per entry, and the root folds the frontier right to left.
 */
export class MerkleFrontier {
  constructor(
    private size = 0,
    private readonly roots: Buffer[] = [],
  ) {}

  static restore(size: number, roots: readonly Buffer[]): MerkleFrontier {
    return new MerkleFrontier(size, [...roots]);
  }

  get treeSize(): number {
    return this.size;
  }

  get subtreeRoots(): readonly Buffer[] {
    return this.roots;
  }

  append(leaf: Buffer): void {
    let node = leaf;
    // Each trailing 1-bit of the old size is a perfect subtree of the same size to merge with.
    for (let n = this.size; n % 2 === 1; n = Math.floor(n / 2)) node = nodeHash(this.roots.pop()!, node);
    this.roots.push(node);
    this.size += 1;
  }

  root(): Buffer {
    if (this.roots.length === 0) return EMPTY_ROOT;
    let node = this.roots[this.roots.length - 1]!;
    for (let i = this.roots.length - 2; i >= 0; i--) node = nodeHash(this.roots[i]!, node);
    return node;
  }
}
