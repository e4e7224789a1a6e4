import type { KyselyPlugin } from 'kysely';

/**
 * A Kysely plugin that counts the statements run through it, for tests that hold a hot path to a
 * number of round trips. Counted as results come back: a subquery is transformed too, but only
 * statements return results.
 */
export function statementCounter(): { plugin: KyselyPlugin; count(): number; reset(): void } {
  let statements = 0;
  return {
    plugin: {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => { statements += 1; return result; },
    },
    count: () => statements,
    reset: () => { statements = 0; },
  };
}
