/**
 * The nested parts of a postcode used as comparison levels: area ⊃ district ⊃ sector ⊃ unit.
 * UK postcodes are parsed properly (SW1A 1AA → area SW, district SW1A, sector SW1A 1); any other
 * code (test data from elsewhere) falls back to nested prefixes, which is how most postal systems
 * nest as well.
 */
export interface PostcodeParts {
  area: string;
  district: string;
  sector: string;
  full: string;
}

const UK = /^([A-Z]{1,2})([0-9][A-Z0-9]?)([0-9])([A-Z]{2})$/;

export function postcodeParts(postcode: string): PostcodeParts {
  const uk = UK.exec(postcode);
  if (uk) {
    const [, area = '', districtDigits = '', sectorDigit = ''] = uk;
    const district = area + districtDigits;
    return { area, district, sector: `${district} ${sectorDigit}`, full: postcode };
  }
  const n = postcode.length;
  return {
    area: postcode.slice(0, Math.max(1, n - 3)),
    district: postcode.slice(0, Math.max(1, n - 2)),
    sector: postcode.slice(0, Math.max(1, n - 1)),
    full: postcode,
  };
}
