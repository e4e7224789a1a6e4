/** What a writer sends through the agency API, each under its own source key. */
export type WriteKind = 'child' | 'involvement' | 'flag';

/** A write the service acknowledged with a 2xx: it must be there after any crash. */
export interface Acknowledged {
  kind: WriteKind;
  sourceId: string;
  /** The id the service answered with (child, involvement or flag id). */
  id: string;
  childId: string;
}

/**
 * The writers' record of every acknowledged write. A key acknowledged twice (a retry after a
 * timeout or a crash) must name the same record both times; a different id is a duplicate.
 */
export class Ledger {
  readonly acknowledged = new Map<string, Acknowledged>();
  /** Keys acknowledged with two different ids. */
  readonly conflicts: string[] = [];
  attempts = 0;
  /** Requests that got no answer or a non-2xx (retried, or given up after a few tries). */
  failures = 0;
  /** Writes given up after their retries: unknown whether they committed, so not checked for loss. */
  abandoned = 0;
  /** Answers by status ("0" for no answer: connection refused or reset). */
  readonly statuses = new Map<string, number>();
  /** The slowest 503 answer, in ms: the database outage must be reported fast. */
  slowest503Ms = 0;

  static key(kind: WriteKind, sourceId: string): string {
    return `${kind}:${sourceId}`;
  }

  answered(status: number, ms: number): void {
    this.attempts += 1;
    this.statuses.set(String(status), (this.statuses.get(String(status)) ?? 0) + 1);
    if (status < 200 || status > 299) this.failures += 1;
    if (status === 503) this.slowest503Ms = Math.max(this.slowest503Ms, ms);
  }

  acknowledge(write: Acknowledged): void {
    const key = Ledger.key(write.kind, write.sourceId);
    const earlier = this.acknowledged.get(key);
    if (earlier && earlier.id !== write.id) this.conflicts.push(key);
    if (!earlier) this.acknowledged.set(key, write);
  }

  of(kind: WriteKind): Acknowledged[] {
    return [...this.acknowledged.values()].filter((w) => w.kind === kind);
  }
}
