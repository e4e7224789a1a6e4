/**
 * Unique Pupil Numbers (DfE): 13 characters. Character 1 is a check letter over characters 2–13
 * (LA number, establishment number, year of allocation, serial). A temporary UPN ends in a letter.
 * Letters come from a 23-letter alphabet without I, O and S, which are too easily misread.
 */
const ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/** Upper case without spaces: schools write UPNs in groups. */
export function normaliseUpn(text: string): string {
  return text.replace(/\s/g, '').toUpperCase();
}

/** The check letter for the twelve characters after it (weights 2..13, modulus 23). */
export function upnCheckLetter(rest: string): string {
  if (!/^\d{11}[\dA-HJ-NP-RT-Z]$/.test(rest)) throw new RangeError('expected eleven digits and a digit or letter');
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const char = rest[i]!;
    const value = /\d/.test(char) ? Number(char) : ALPHABET.indexOf(char);
    sum += value * (i + 2);
  }
  return ALPHABET[sum % 23]!;
}

/** True for a permanent or temporary UPN whose first letter is the right check letter. */
export function isValidUpn(text: string): boolean {
  const upn = normaliseUpn(text);
  if (!/^[A-HJ-NP-RT-Z]\d{11}[\dA-HJ-NP-RT-Z]$/.test(upn)) return false;
  return upn[0] === upnCheckLetter(upn.slice(1));
}
