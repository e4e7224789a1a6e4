import { completeNhsNumber } from '../src/children/nhs-number.js';

/** Letters for a number (a, b, …, z, ba, …), so synthetic names differ without digits. */
export function letters(n: number): string {
  let out = '';
  let rest = n;
  do {
    out = String.fromCharCode(97 + (rest % 26)) + out;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return out;
}

/**
 * A valid NHS number in the 999 test range for writer child `n` (block 0) or feed row `n`
 * (block 1): distinct for the first 200,000 of one and 130,000 of the other, then reused, which
 * at worst lets the matcher link two synthetic children. Distinct NHS numbers keep it from linking
 * two who happen to share a first name and date of birth.
 */
export function syntheticNhsNumber(block: 0 | 1, n: number): string {
  const slot = block === 0 ? n % 200_000 : 200_000 + (n % 130_000);
  // At most one in eleven prefixes has no valid check digit, never two in a row: three suffice.
  for (let k = slot * 3; ; k++) {
    const nhs = completeNhsNumber(String(999_000_000 + k));
    if (nhs) return nhs;
  }
}
