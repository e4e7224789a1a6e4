import { inTransaction, type Db } from '../platform/db/database.js';
import { ConflictError } from '../platform/http/errors.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import { FieldErrors } from './field-errors.js';
import type { WriteOptions } from './involvements.service.js';
import { closeArea, findChildForInvolvements, findCurrentAreaForUpdate, findOrganisationSummary, insertArea } from './involvements.repository.js';

export interface AreaMove {
  /** The council whose area the child now lives in. */
  councilId: string;
  /** The day the new council holds the child; the previous area ends that day. */
  movedOn: CalendarDate;
  /** Why, in a few words: "family moved", "placed out of area". */
  reason?: string | null;
}

/**
 * Which councils have held a child and when (DOMAIN §2): the team picking a case up after a move
 * must see what happened before, and who to ask.
 */
export class AreaHistoryService {
  constructor(private readonly deps: { db: Db }) {}

  /**
   * Records that the child is now in `councilId`'s area: closes the current area and opens the
   * new one in one transaction. A child with no area recorded was in its responsible council's
   * area since its trigger date (what the signpost shows): a first move to another council records
   * that area first, so the history names the council the child came from. A move dated before
   * the child came into the current area is refused, as is a "move" to the same council — except
   * the same move sent again (same council, same date), which changes nothing (`created: false`,
   * `previousCouncilId` null) so feeds can retry. `options.onWrite` runs in the transaction when a
   * move is recorded (see {@link WriteOptions}).
   */
  async recordMove(childId: string, move: AreaMove, options: WriteOptions = {}): Promise<{ areaId: string; previousCouncilId: string | null; created: boolean }> {
    const errors = new FieldErrors();
    errors.uuid('childId', childId);
    errors.uuid('councilId', move.councilId);
    errors.date('movedOn', move.movedOn);
    if (move.reason != null) errors.text('reason', move.reason, 200);
    errors.throwIfAny('move');

    return inTransaction(this.deps.db, async (tx) => {
      const [child, council] = await Promise.all([findChildForInvolvements(tx, childId), findOrganisationSummary(tx, move.councilId)]);
      const facts = new FieldErrors();
      if (!child) facts.add('childId', 'childId does not match any child');
      if (!council) facts.add('councilId', 'councilId does not match any organisation');
      else if (council.kind !== 'council') facts.add('councilId', 'councilId must be a council');
      facts.throwIfAny('move');

      const current = await findCurrentAreaForUpdate(tx, childId);
      if (current && current.council_id === move.councilId && current.from_date === move.movedOn) {
        return { areaId: current.id, previousCouncilId: null, created: false };
      }
      let previousCouncilId = current?.council_id ?? null;
      if (!current && child && child.responsible_council_id !== move.councilId && child.trigger_date < move.movedOn) {
        const implicit = await insertArea(tx, { childId, councilId: child.responsible_council_id, fromDate: child.trigger_date, reason: null });
        if (!('id' in implicit)) throw new ConflictError('Someone else recorded this child\'s area at the same moment. Refresh and check it.');
        await closeArea(tx, implicit.id, move.movedOn);
        previousCouncilId = child.responsible_council_id;
      }
      if (current) {
        const order = new FieldErrors();
        if (move.movedOn < current.from_date) {
          order.add('movedOn', `movedOn must be on or after ${current.from_date}, when the child came into the current area`);
        }
        if (current.council_id === move.councilId) order.add('councilId', 'councilId is already the child\'s current area');
        order.throwIfAny('move');
        await closeArea(tx, current.id, move.movedOn);
      }
      const opened = await insertArea(tx, { childId, councilId: move.councilId, fromDate: move.movedOn, reason: move.reason?.trim() ?? null });
      if (!('id' in opened)) throw new ConflictError('Someone else recorded this child\'s area at the same moment. Refresh and check it.');
      await options.onWrite?.(tx, { id: opened.id, childId });
      return { areaId: opened.id, previousCouncilId, created: true };
    });
  }
}
