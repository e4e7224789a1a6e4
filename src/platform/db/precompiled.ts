import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import type { DbOrTx } from './database.js';

/**
 * A statement built and compiled by Kysely once, then run with each call's values in place of the
 * placeholders it was built with. Building and compiling a query tree costs Kysely 30–150 µs a
 * statement, on every request, on the service's one thread; a hot read whose SQL depends on
 * nothing but its parameters needs it only once.
 *
 * `build` is called once, with a placeholder for each value, and must use each only as a query
 * parameter (no branching on it, no function applied to it): its SQL text must be the same
 * whatever the values. Each placeholder stands for one value wherever it appears. It is compiled
 * with the first caller's `db`: a plugin that rewrites queries would apply as it was then.
 */
export function precompiled<V extends readonly unknown[], R>(build: (db: DbOrTx, ...values: V) => Compilable<R>): (db: DbOrTx, ...values: V) => Promise<QueryResult<R>> {
  let compiled: { sql: string; parameters: readonly unknown[]; slots: readonly number[] } | undefined;
  return (db, ...values) => {
    if (!compiled) {
      const placeholders = values.map((_, i) => new Placeholder(i));
      const query = build(db, ...(placeholders as unknown as V)).compile();
      const slots = query.parameters.map((p) => (p instanceof Placeholder ? p.index : -1));
      compiled = { sql: query.sql, parameters: query.parameters, slots };
    }
    const { sql, parameters, slots } = compiled;
    return db.executeQuery<R>(CompiledQuery.raw(sql, parameters.map((p, i) => (slots[i]! >= 0 ? values[slots[i]!] : p))));
  };
}

class Placeholder {
  constructor(readonly index: number) {}
}
