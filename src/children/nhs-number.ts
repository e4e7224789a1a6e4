/**
 * NHS numbers: ten digits, the last a modulus-11 check digit over the first nine (weights 10..2).
 * A remainder giving check value 10 means the nine digits can never form a valid number.
 * The range 999 000 0000 – 999 999 9999 is reserved for test data and is never issued to people.
 */

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

export const TEST_RANGE_FIRST = 999_000_000;
export const TEST_RANGE_LAST = 999_999_999;

/** The check digit for nine digits, or null when no valid NHS number starts with them. */
export function nhsCheckDigit(nineDigits: string): number | null {
  if (!/^\d{9}$/.test(nineDigits)) throw new RangeError('expected nine digits');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nineDigits[i]) * WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? null : check;
}

/** Digits only: people write NHS numbers as "943 476 5919" or "943-476-5919". */
export function normaliseNhsNumber(text: string): string {
  return text.replace(/[\s-]/g, '');
}

/** True for ten digits whose last is the right modulus-11 check digit. */
export function isValidNhsNumber(text: string): boolean {
  const digits = normaliseNhsNumber(text);
  if (!/^\d{10}$/.test(digits)) return false;
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/** The full NHS number for a nine-digit prefix, or null when the prefix cannot have one. */
export function completeNhsNumber(nineDigits: string): string | null {
  const check = nhsCheckDigit(nineDigits);
  return check === null ? null : `${nineDigits}${check}`;
}

/** True for a number in the reserved test range (synthetic data must never use a real one). */
export function isTestRangeNhsNumber(text: string): boolean {
  const digits = normaliseNhsNumber(text);
  return /^999\d{7}$/.test(digits);
}

/** "9990001234" → "999 000 1234", the way it is printed on NHS letters. */
export function formatNhsNumber(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}
