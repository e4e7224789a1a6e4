import type { MatchRecord } from './match-record.js';
import { postcodeParts } from './postcode.js';
import { canonicalGivenName } from './name-variants.js';
import { doubleMetaphone } from 'double-metaphone';

/**
 * In-memory blocking for batch runs: each record is given several keys and only records sharing a
 * key are compared. Several loose keys in union keep recall high (a typo in one field leaves the
 * others); a block larger than the cap is skipped, because a key that common says little and
 * would make the run quadratic.
 */
export const MAX_BLOCK_SIZE = 400;

const canonicalCodeCache = new Map<string, string>();
function canonicalGivenCode(given: string): string {
  let code = canonicalCodeCache.get(given);
  if (code === undefined) {
    code = doubleMetaphone(canonicalGivenName(given))[0];
    canonicalCodeCache.set(given, code);
  }
  return code;
}

/** The blocking keys of one record; the prefix names the rule, for the report. */
export function blockingKeys(r: MatchRecord): string[] {
  const keys: string[] = [];
  const dob = r.dob;
  const familyCodes = [...r.familyCodes];
  for (const former of r.formerFamily) familyCodes.push(doubleMetaphone(former.replaceAll(' ', ''))[0]);
  if (dob) {
    // Day and month in sorted order so a day↔month swap lands in the same block.
    const [lo, hi] = dob.month <= dob.day ? [dob.month, dob.day] : [dob.day, dob.month];
    keys.push(`dob:${dob.year}-${lo}-${hi}`);
    for (const code of familyCodes) {
      keys.push(`family+year:${code}:${dob.year}`);
      keys.push(`family+daymonth:${code}:${dob.month}-${dob.day}`);
    }
    if (r.given) {
      keys.push(`given+daymonth:${canonicalGivenCode(r.given)}:${dob.month}-${dob.day}`);
      keys.push(`given+year:${canonicalGivenCode(r.given)}:${dob.year}`);
    }
  }
  if (r.given && r.family) {
    // Sorted pair of phonetic codes: also catches given and family names entered the wrong way round.
    const g = canonicalGivenCode(r.given);
    for (const f of familyCodes) {
      keys.push(`names:${[g, f].sort().join(':')}`);
      keys.push(`family+initial:${f}:${r.given[0] ?? ''}`);
    }
    // First three letters of each, sorted: a typo later in a name changes its sound code
    // (griffiths / griffihs) but seldom its start, and the date of birth may be wrong as well.
    keys.push(`name-prefixes:${[r.given.slice(0, 3), r.family.slice(0, 3)].sort().join(':')}`);
  }
  if (r.town) {
    // A name with the town, for records whose date of birth and postcode are both wrong or missing.
    if (r.given) keys.push(`given+town:${canonicalGivenCode(r.given)}:${r.town}`);
    for (const code of familyCodes) keys.push(`family+town:${code}:${r.town}`);
  }
  if (r.postcode) {
    const district = postcodeParts(r.postcode).district;
    if (r.given) keys.push(`given3+district:${r.given.slice(0, 3)}:${district}`);
    for (const code of familyCodes) keys.push(`family+postcode:${code}:${r.postcode}`);
    if (r.addressTokens[0]) keys.push(`postcode+house:${r.postcode}:${r.addressTokens[0]}`);
  }
  if (r.address && r.family) keys.push(`family+address:${r.familyCodes[0] ?? ''}:${r.address}`);
  if (r.identifier) keys.push(`identifier:${r.identifier}`);
  if (r.email) keys.push(`email:${r.email.split('@')[0] ?? ''}`);
  if (r.phone) keys.push(`phone:${r.phone}`);
  return keys;
}

export interface CandidateSet {
  /** Pairs as [i0, j0, i1, j1, …] with i < j (record indices). */
  pairs: Uint32Array;
  count: number;
  /** Blocks skipped for being larger than the cap. */
  oversizedBlocks: number;
}

/**
 * All candidate pairs from the union of blocking keys. When linking two files only pairs across
 * the files are produced.
 */
export function candidatePairs(records: readonly MatchRecord[], link: boolean): CandidateSet {
  const blocks = new Map<string, number[]>();
  for (const r of records) {
    for (const key of new Set(blockingKeys(r))) {
      const members = blocks.get(key);
      if (members) members.push(r.index);
      else blocks.set(key, [r.index]);
    }
  }
  const n = records.length;
  const seen = new Set<number>();
  const out: number[] = [];
  let oversizedBlocks = 0;
  for (const members of blocks.values()) {
    if (members.length < 2) continue;
    if (members.length > MAX_BLOCK_SIZE) {
      oversizedBlocks += 1;
      continue;
    }
    for (let x = 0; x < members.length; x += 1) {
      for (let y = x + 1; y < members.length; y += 1) {
        const i = Math.min(members[x] as number, members[y] as number);
        const j = Math.max(members[x] as number, members[y] as number);
        if (link && records[i]?.source === records[j]?.source) continue;
        const id = i * n + j;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(i, j);
      }
    }
  }
  return { pairs: Uint32Array.from(out), count: out.length / 2, oversizedBlocks };
}
