import type { ChildrenService } from '../children/children.service.js';
import type { BlindIndexKind } from '../children/blind-index.js';
import type { ChildIdentity } from '../children/child-identity.js';
import type { DbOrTx } from '../platform/db/database.js';
import { SEARCH_KEYS } from './child-search.service.js';
import { LIKELY_SCORE, likeness } from './likeness.js';

/** The kinds the search blocks a name query on: all it blocks on but the NHS number. */
const NAME_KINDS: readonly BlindIndexKind[] = (Object.keys(SEARCH_KEYS.blocking) as BlindIndexKind[]).filter((kind) => kind !== 'nhs_number');

type Identity = Pick<ChildIdentity, 'givenNames' | 'familyName' | 'dateOfBirth' | 'nhsNumber'>;

/**
 * For incoming records (a feed's batch), which ones the practitioners' search for the record (by
 * name and date of birth, and by NHS number, as ChildRecordsService.likelyMatches runs it) could
 * show a shielded child as a likely match: the records a shield may follow to. Shielded children
 * are a few in a thousand, so their search keys are read whole, once (load), and only the
 * shielded children sharing one with a record are opened and scored the search's way. A superset:
 * the search also ranks and cuts its candidates, which can only show fewer.
 */
export class ShieldedNeighbours {
  private constructor(private readonly children: ChildrenService, private readonly holders: ReadonlyMap<string, readonly string[]>, private readonly db?: DbOrTx) {}

  /** The search keys of every shielded child now. Load again for a later batch: shields change. */
  static async load(children: ChildrenService, db?: DbOrTx): Promise<ShieldedNeighbours> {
    const holders = new Map<string, string[]>();
    for (const e of await children.shieldedEntries([...NAME_KINDS, 'nhs_number'], db)) {
      const key = `${e.kind}:${e.value.toString('base64')}`;
      const ids = holders.get(key);
      if (ids) ids.push(e.childId);
      else holders.set(key, [e.childId]);
    }
    return new ShieldedNeighbours(children, holders, db);
  }

  /** Positions of the records the search could show a shielded child for as a likely match. */
  async near(records: readonly Identity[]): Promise<Set<number>> {
    const near = new Set<number>();
    if (this.holders.size === 0) return near;
    const toScore: { at: number; childId: string }[] = [];
    records.forEach((record, at) => {
      const shared = new Set<string>();
      for (const e of this.children.probe(record)) {
        const ids = this.holders.get(`${e.kind}:${e.value.toString('base64')}`) ?? [];
        // The NHS number search shows every child holding the number.
        if (e.kind === 'nhs_number' && ids.length > 0) near.add(at);
        else if (NAME_KINDS.includes(e.kind)) for (const id of ids) shared.add(id);
      }
      if (!near.has(at)) for (const childId of shared) toScore.push({ at, childId });
    });
    if (toScore.length === 0) return near;
    const people = new Map((await this.children.readPeople([...new Set(toScore.map((s) => s.childId))], this.db)).map((p) => [p.id, p.identity]));
    for (const { at, childId } of toScore) {
      const person = people.get(childId);
      const record = records[at]!;
      if (person && (likeness({ givenNames: record.givenNames ?? undefined, familyName: record.familyName, dateOfBirth: record.dateOfBirth }, person)?.score ?? 0) >= LIKELY_SCORE) near.add(at);
    }
    return near;
  }
}
