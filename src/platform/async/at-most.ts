/**
 * Runs `work` on every item, at most `limit` at a time, starting them in order; resolves when all
 * have finished and rejects with the first failure (after the ones already started have settled,
 * so nothing is left running behind the caller's back).
 */
export async function forEachAtMost<T>(limit: number, items: Iterable<T>, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const failures: unknown[] = [];
  const lane = async () => {
    for (let next = iterator.next(); !next.done && failures.length === 0; next = iterator.next()) {
      try {
        await work(next.value);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  if (failures.length > 0) throw failures[0];
}
