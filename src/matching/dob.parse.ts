import type { DateOfBirth } from './match-record.js';

/** Date formats a feed may declare; the letters say where the year, month and day sit. */
export const DOB_FORMATS = ['YYYYMMDD', 'YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD-MM-YYYY', 'DD.MM.YYYY', 'YYYY/MM/DD'] as const;
export type DobFormat = (typeof DOB_FORMATS)[number];

export function isDobFormat(value: string): value is DobFormat {
  return (DOB_FORMATS as readonly string[]).includes(value);
}

/** Builds a date of birth from numeric parts; impossible calendar dates keep their text but no day number. */
export function makeDob(year: number, month: number, day: number): DateOfBirth {
  const text = `${String(year).padStart(4, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  const valid = month >= 1 && month <= 12 && day >= 1 && check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
  return { text, year, month, day, dayNumber: valid ? Math.round(ms / 86_400_000) : null };
}

/**
 * Parses a date of birth in the declared format. Returns null for text that does not fit the
 * format at all; a well-formed but impossible date (a keying slip such as 19990231) is kept,
 * because its digits still carry evidence.
 */
export function parseDob(text: string, format: DobFormat): DateOfBirth | null {
  const digits = format.replace(/[^YMD]/g, '');
  const parts = text.split(/[^0-9]/).filter((p) => p !== '');
  let y: string | undefined;
  let m: string | undefined;
  let d: string | undefined;
  if (digits === 'YYYYMMDD' && format === 'YYYYMMDD') {
    if (!/^\d{8}$/.test(text)) return null;
    [y, m, d] = [text.slice(0, 4), text.slice(4, 6), text.slice(6, 8)];
  } else {
    if (parts.length !== 3) return null;
    const order = format.split(/[^YMD]+/);
    for (let i = 0; i < 3; i += 1) {
      const token = order[i];
      const value = parts[i];
      if (token?.startsWith('Y')) y = value;
      else if (token?.startsWith('M')) m = value;
      else d = value;
    }
  }
  if (y === undefined || m === undefined || d === undefined || y.length !== 4) return null;
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    // Still keep it if it is only a day/month swap away from a real date (13/05 in MM/DD data).
    if (!(day >= 1 && day <= 12 && month >= 1 && month <= 31)) return null;
  }
  return makeDob(year, month, day);
}
