import type { DateOfBirth } from './match-record.js';
import { adjacentTransposition, oneSubstitution } from './edit-distance.js';

/** Date-of-birth comparison levels, strongest first. */
export const DOB_LEVELS = ['exact', 'day_month_swapped', 'transposed_digits', 'one_digit', 'within_1_month', 'within_1_year', 'different'] as const;
export type DobLevel = (typeof DOB_LEVELS)[number];

/**
 * Classifies how two dates of birth differ. Day↔month swaps come first because US-style and UK-style
 * forms are the commonest systematic error between agencies; the digit checks catch keying slips;
 * the ±1 month / ±1 year bands catch dates remembered wrongly.
 */
export function compareDob(a: DateOfBirth, b: DateOfBirth): DobLevel {
  if (a.text === b.text) return 'exact';
  if (a.year === b.year && a.day === b.month && a.month === b.day) return 'day_month_swapped';
  if (adjacentTransposition(a.text, b.text)) return 'transposed_digits';
  if (oneSubstitution(a.text, b.text)) return 'one_digit';
  if (a.dayNumber !== null && b.dayNumber !== null) {
    const days = Math.abs(a.dayNumber - b.dayNumber);
    if (days <= 31) return 'within_1_month';
    if (days <= 366) return 'within_1_year';
  }
  return 'different';
}
