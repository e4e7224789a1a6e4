import { jaroWinkler } from './jaro-winkler.js';

/**
 * Soft Dice similarity of two token lists (0..1): a token counts as shared when it is equal or,
 * for words of four letters or more, within Jaro–Winkler 0.9 (one typo). Numbers must be equal,
 * because "12" and "21" are different houses.
 */
export function addressSimilarity(a: readonly string[], b: readonly string[]): number {
  // Greedy pairing depends on order, so score both ways and keep the better: symmetric by construction.
  return Math.max(oneWay(a, b), oneWay(b, a));
}

function oneWay(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const used = new Uint8Array(b.length);
  let shared = 0;
  for (const ta of a) {
    let found = -1;
    for (let j = 0; j < b.length; j += 1) {
      if (used[j] === 0 && b[j] === ta) {
        found = j;
        break;
      }
    }
    if (found < 0 && ta.length >= 4 && !/\d/.test(ta)) {
      for (let j = 0; j < b.length; j += 1) {
        const tb = b[j] as string;
        if (used[j] === 0 && tb.length >= 4 && jaroWinkler(ta, tb) >= 0.9) {
          found = j;
          break;
        }
      }
    }
    if (found >= 0) {
      used[found] = 1;
      shared += 1;
    }
  }
  return (2 * shared) / (a.length + b.length);
}
