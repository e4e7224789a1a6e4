import { GIVEN_NAME_VARIANT_GROUPS } from './name-variants.data.js';

/** For each known given name, the indices of the variant families it belongs to. */
const familiesByName: ReadonlyMap<string, readonly number[]> = (() => {
  const map = new Map<string, number[]>();
  GIVEN_NAME_VARIANT_GROUPS.forEach((group, index) => {
    for (const name of group.split(' ')) {
      if (name === '') continue;
      const list = map.get(name) ?? [];
      if (!list.includes(index)) list.push(index);
      map.set(name, list);
    }
  });
  return map;
})();

/** True when two different given names are known forms of one name (William / Bill / Liam). */
export function areGivenNameVariants(a: string, b: string): boolean {
  if (a === b) return false;
  const fa = familiesByName.get(a);
  const fb = familiesByName.get(b);
  if (!fa || !fb) return false;
  return fa.some((f) => fb.includes(f));
}

/**
 * A canonical key for a given name: the formal name of its first variant family, so that blocking
 * puts Bill and William into one block. Unknown names are their own key.
 */
export function canonicalGivenName(name: string): string {
  const families = familiesByName.get(name);
  const first = families?.[0];
  if (first === undefined) return name;
  return (GIVEN_NAME_VARIANT_GROUPS[first] ?? name).split(' ')[0] ?? name;
}
