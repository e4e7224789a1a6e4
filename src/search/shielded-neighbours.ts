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
 * are a few in a thousand, so their search keys are held whole (load: read once, then only those
 * of children changed since), and only the shielded children sharing one with a record are opened
 * and scored the search's way. A superset:
 * the search also ranks and cuts its candidates, which can only show fewer.
 */
export class ShieldedNeighbours {
  private constructor(
    private readonly children: ChildrenService,
    private readonly holders: ReadonlyMap<string, readonly string[]>,
    /** Each shielded child's row version and its keys, as read. */
    private readonly shielded: ReadonlyMap<string, { version: string; keys: readonly string[] }>,
    private readonly db?: DbOrTx,
  ) {}

  /**
   * The search keys of every shielded child now. Load again for each batch: shields change. With
   * the `previous` load, only the keys of children shielded or changed since are read again (and
   * those no longer shielded dropped): a list of shielded ids and versions, where reading every
   * shielded child's keys cost 80–300 ms a batch at 1M children. A feed's own batches change
   * the set (a shield follows a likely match), so a whole-set fingerprint would rarely hold.
   */
  static async load(children: ChildrenService, db?: DbOrTx, previous?: ShieldedNeighbours): Promise<ShieldedNeighbours> {
    // Versions first, keys after: a child changed in between is read again by the next load.
    const versions = await children.shieldedVersions(db);
    const kept = previous && previous.db === db ? previous.shielded : new Map<string, { version: string; keys: readonly string[] }>();
    const stale = versions.filter((v) => kept.get(v.childId)?.version !== v.version);
    if (previous && kept === previous.shielded && stale.length === 0 && versions.length === kept.size) return previous;
    const fresh = new Map<string, string[]>(stale.map((v) => [v.childId, []]));
    if (stale.length > 0) {
      for (const e of await children.shieldedEntries([...NAME_KINDS, 'nhs_number'], db, stale.length === versions.length ? undefined : stale.map((v) => v.childId))) {
        fresh.get(e.childId)?.push(`${e.kind}:${e.value.toString('base64')}`);
      }
    }
    const shielded = new Map(versions.map((v) => [v.childId, { version: v.version, keys: fresh.get(v.childId) ?? kept.get(v.childId)!.keys }]));
    const holders = new Map<string, string[]>();
    for (const [childId, { keys }] of shielded) {
      for (const key of keys) {
        const ids = holders.get(key);
        if (ids) ids.push(childId);
        else holders.set(key, [childId]);
      }
    }
    return new ShieldedNeighbours(children, holders, shielded, db);
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
