import type { DbOrTx } from '../platform/db/database.js';
import { ConflictError } from '../platform/http/errors.js';
import type { ChildrenService } from '../children/children.service.js';
import { findShield, saveShield } from '../child-records/child-records.repository.js';
import { IDENTIFIER_COLUMN, SHIELD_REASON_COLUMN } from '../child-records/child-record-view.js';
import {
  addSealHolders, areasOf, closeToday, deleteBlindIndex, dropShield, findMerge, flagsOf, identifiersOf, insertMerge, involvementsOf,
  listMoves, lockPair, markUnmerged, moveIdentifier, moveRow, recordMoves, removeSealHolders, sealHoldersOf, setTombstone, type MergeMove,
} from './merge.repository.js';

export interface MergeRequest {
  survivorChildId: string;
  mergedChildId: string;
  reviewItemId: number | null;
  userId: string | null;
  reason: string;
}

/**
 * Folds one child record into another and, on request, takes it out again exactly. Runs inside
 * the caller's transaction (the caller decides access and writes the audit entries there).
 *
 * A merge moves the merged record's involvements, flags, area history and identifiers to the
 * survivor, re-sealing identifier values under the survivor's data key; where a moved row would
 * clash with the survivor's (a second open lead professional, a second open flag of one kind, a
 * second current area) the moved row gives way (no longer lead / ended today) and the old value is
 * logged. A shield on either record applies to the merged child, and the seal-holders are the
 * union. The merged record stays as a tombstone pointing at the survivor, without blind indexes,
 * so old ids resolve but it is never found or matched again. Every moved row is logged in
 * `child_merge_moves`; unmerge replays the log.
 */
export class MergeService {
  constructor(private readonly deps: { children: ChildrenService }) {}

  async merge(tx: DbOrTx, request: MergeRequest): Promise<string> {
    const { survivorChildId: survivor, mergedChildId: merged } = request;
    const locked = await lockPair(tx, survivor, merged);
    if (locked.size !== 2) throw new ConflictError('One of these records no longer exists');
    if (locked.get(survivor) !== null || locked.get(merged) !== null) throw new ConflictError('One of these records has already been merged into another; review the surviving record instead');
    const mergeId = await insertMerge(tx, request);
    const moves: MergeMove[] = [];

    const survivorHasLead = (await involvementsOf(tx, survivor)).some((i) => i.open_lead);
    for (const row of await involvementsOf(tx, merged)) {
      const clash = row.open_lead && survivorHasLead;
      await moveRow(tx, 'involvement', row.id, survivor, clash ? { is_lead_professional: false } : {});
      moves.push({ kind: 'involvement', rowKey: row.id, restore: clash ? { is_lead_professional: true } : {} });
    }
    const openKinds = new Set((await flagsOf(tx, survivor)).filter((f) => f.open).map((f) => f.kind));
    for (const row of await flagsOf(tx, merged)) {
      const clash = row.open && openKinds.has(row.kind);
      if (clash) await closeToday(tx, 'flag', row.id);
      await moveRow(tx, 'flag', row.id, survivor, {});
      moves.push({ kind: 'flag', rowKey: row.id, restore: clash ? { ended_on: null } : {} });
    }
    const survivorHasArea = (await areasOf(tx, survivor)).some((a) => a.current);
    for (const row of await areasOf(tx, merged)) {
      const clash = row.current && survivorHasArea;
      if (clash) await closeToday(tx, 'area', row.id);
      await moveRow(tx, 'area', row.id, survivor, {});
      moves.push({ kind: 'area', rowKey: row.id, restore: clash ? { to_date: null } : {} });
    }
    // The merged record's source ids follow it as linked ones: their systems' later changes add
    // identifiers but do not rewrite the survivor's identity (unmerge gives them back as they were).
    for (const row of await identifiersOf(tx, merged)) {
      await moveIdentifier(tx, row.id, survivor, await this.#reseal(tx, merged, survivor, IDENTIFIER_COLUMN, row.value), true);
      moves.push({ kind: 'identifier', rowKey: row.id, restore: { linked: row.linked } });
    }

    // The shield follows the child (DOMAIN §4): the survivor takes the merged record's shield if
    // it has none of its own, and everyone named for either record may see the merged child.
    const [survivorShield, mergedShield] = await Promise.all([findShield(tx, survivor), findShield(tx, merged)]);
    if (mergedShield && !survivorShield) {
      await saveShield(tx, {
        childId: survivor, councilId: mergedShield.council_id, reason: await this.#reseal(tx, merged, survivor, SHIELD_REASON_COLUMN, mergedShield.reason),
        decidedBy: mergedShield.decided_by, decidedOn: mergedShield.decided_on, reviewOn: mergedShield.review_on, setByUserId: mergedShield.set_by_user_id,
      });
      moves.push({ kind: 'shield', rowKey: merged, restore: {} });
    }
    const survivorHolders = new Set(await sealHoldersOf(tx, survivor));
    const newHolders = (await sealHoldersOf(tx, merged)).filter((u) => !survivorHolders.has(u));
    await addSealHolders(tx, survivor, newHolders, request.userId);
    for (const userId of newHolders) moves.push({ kind: 'seal_holder', rowKey: userId, restore: {} });

    await recordMoves(tx, mergeId, moves);
    await setTombstone(tx, merged, survivor);
    await deleteBlindIndex(tx, merged);
    return mergeId;
  }

  /** Undoes a merge: every logged row goes back with its old values, and the record is live again. */
  async unmerge(tx: DbOrTx, mergeId: string, userId: string | null, reason: string): Promise<{ survivorChildId: string; mergedChildId: string; reviewItemId: number | null }> {
    const merge = await findMerge(tx, mergeId);
    if (!merge) throw new ConflictError('There is no such merge');
    if (merge.unmergedAt) throw new ConflictError('This merge has already been undone');
    const { survivorChildId: survivor, mergedChildId: merged } = merge;
    await lockPair(tx, survivor, merged);
    for (const move of await listMoves(tx, mergeId)) {
      switch (move.kind) {
        case 'involvement':
        case 'flag':
        case 'area':
          await moveRow(tx, move.kind, move.rowKey, merged, move.restore);
          break;
        case 'identifier': {
          const row = (await identifiersOf(tx, survivor)).find((r) => r.id === move.rowKey);
          if (row) await moveIdentifier(tx, row.id, merged, await this.#reseal(tx, survivor, merged, IDENTIFIER_COLUMN, row.value), move.restore['linked'] === true);
          break;
        }
        case 'seal_holder':
          await removeSealHolders(tx, survivor, [move.rowKey]);
          break;
        case 'shield':
          await dropShield(tx, survivor);
          break;
      }
    }
    await setTombstone(tx, merged, null);
    // The record is findable and matchable again: its blind indexes are rebuilt from its identity.
    const child = await this.deps.children.read(merged, tx);
    if (child) await this.deps.children.replaceIdentity(tx, child, child.identity);
    await markUnmerged(tx, mergeId, userId, reason);
    return { survivorChildId: survivor, mergedChildId: merged, reviewItemId: merge.reviewItemId };
  }

  async #reseal(tx: DbOrTx, from: string, to: string, column: string, sealed: Buffer): Promise<Buffer> {
    const [value] = (await this.deps.children.openValues(tx, from, column, [sealed])) ?? [];
    const resealed = value === undefined ? null : await this.deps.children.sealValue(tx, to, column, value);
    if (!resealed) throw new ConflictError('One of these records has been removed at the end of its retention period and cannot be merged');
    return resealed;
  }
}
