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
 * A valid NHS number in the 999 test range, distinct for each `n` below 250,000 and `block`
 * (writers 0, feeds 1). Distinct NHS numbers keep the matcher from linking two synthetic
 * children who happen to share a first name and date of birth.
 */
export function syntheticNhsNumber(block: 0 | 1, n: number): string {
  // At most one in eleven prefixes has no valid check digit, never two in a row: three suffice.
  for (let k = n * 3; ; k++) {
    const nhs = completeNhsNumber(String(999_000_000 + block * 800_000 + k));
    if (nhs) return nhs;
  }
}
