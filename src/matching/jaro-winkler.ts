let aScratch = new Uint8Array(64);
let bScratch = new Uint8Array(64);

/**
 * Jaro–Winkler similarity (0..1). Jaro counts characters that agree within a sliding window and
 * penalises transpositions; Winkler then rewards a shared prefix of up to four characters, because
 * typists rarely get the start of a name wrong.
 */
export function jaro(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  // Scratch flags reused between calls (a whole-index scan makes hundreds of millions of them, and
  // allocating two arrays each time was most of the cost); cleared for this pair's lengths.
  if (la > aScratch.length) aScratch = new Uint8Array(la * 2);
  if (lb > bScratch.length) bScratch = new Uint8Array(lb * 2);
  const aMatched = aScratch.fill(0, 0, la);
  const bMatched = bScratch.fill(0, 0, lb);
  let matches = 0;
  for (let i = 0; i < la; i += 1) {
    const from = Math.max(0, i - window);
    const to = Math.min(lb - 1, i + window);
    for (let j = from; j <= to; j += 1) {
      if (bMatched[j] === 0 && a.charCodeAt(i) === b.charCodeAt(j)) {
        aMatched[i] = 1;
        bMatched[j] = 1;
        matches += 1;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < la; i += 1) {
    if (aMatched[i] === 0) continue;
    while (bMatched[k] === 0) k += 1;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions += 1;
    k += 1;
  }
  const t = transpositions / 2;
  return (matches / la + matches / lb + (matches - t) / matches) / 3;
}

/** Jaro–Winkler with the usual prefix scale 0.1 over at most four leading characters. */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  let prefix = 0;
  const limit = Math.min(4, a.length, b.length);
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix += 1;
  return j + prefix * 0.1 * (1 - j);
}
