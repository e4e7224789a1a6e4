import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import { ConflictError, NotFoundError } from '../platform/http/errors.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import { FLAG_KINDS, isOneOf } from './involvement-codes.js';
import { FieldErrors } from './field-errors.js';
import {
  endFlagRow,
  findChildForInvolvements,
  findFlagBySource,
  findFlagForUpdate,
  findOpenFlag,
  findOrganisationSummary,
  insertFlag,
} from './involvements.repository.js';
import type { SourceKey, WriteOptions } from './involvements.service.js';

export interface NewFlag {
  childId: string;
  /** One of {@link FLAG_KINDS}. */
  kind: string;
  /** The council responsible: its office-hours and emergency-duty numbers go with the flag. */
  responsibleCouncilId: string;
  startedOn: CalendarDate;
  source?: SourceKey | null;
}

/**
 * A child's status flags (child protection plan, looked after, …), each with the council
 * responsible. A child has at most one open flag of each kind; setting the same open flag again
 * is harmless, so feeds can resend.
 */
export class FlagsService {
  constructor(private readonly deps: { db: Db }) {}

  /** `options.onWrite` runs in the write's transaction when a flag is added (see {@link WriteOptions}). */
  async set(input: NewFlag, options: WriteOptions = {}): Promise<{ id: string; created: boolean }> {
    const errors = new FieldErrors();
    errors.uuid('childId', input.childId);
    if (!isOneOf(FLAG_KINDS, input.kind)) errors.add('kind', `kind must be one of: ${FLAG_KINDS.join(', ')}`);
    errors.uuid('responsibleCouncilId', input.responsibleCouncilId);
    errors.date('startedOn', input.startedOn);
    if (input.source) {
      errors.text('source.system', input.source.system, 100);
      errors.text('source.id', input.source.id, 200);
    }
    errors.throwIfAny('flag');

    return inTransaction(this.deps.db, async (tx) => {
      if (input.source) {
        const existing = await sameSource(tx, input.source, input.childId);
        if (existing) return { id: existing, created: false };
      }
      const [child, council] = await Promise.all([
        findChildForInvolvements(tx, input.childId),
        findOrganisationSummary(tx, input.responsibleCouncilId),
      ]);
      const facts = new FieldErrors();
      if (!child) facts.add('childId', 'childId does not match any child');
      if (!council) facts.add('responsibleCouncilId', 'responsibleCouncilId does not match any organisation');
      else if (council.kind !== 'council') facts.add('responsibleCouncilId', 'responsibleCouncilId must be a council');
      facts.throwIfAny('flag');

      const open = await findOpenFlag(tx, input.childId, input.kind);
      if (open) {
        if (open.responsible_council_id === input.responsibleCouncilId) return { id: open.id, created: false };
        throw new ConflictError('Another council holds this flag for the child. That council must end it before another sets it.');
      }
      const result = await insertFlag(tx, {
        childId: input.childId,
        kind: input.kind,
        responsibleCouncilId: input.responsibleCouncilId,
        startedOn: input.startedOn,
        source: input.source ?? null,
      });
      if ('id' in result) {
        await options.onWrite?.(tx, { id: result.id, childId: input.childId });
        return { id: result.id, created: true };
      }
      const existing = input.source ? await sameSource(tx, input.source, input.childId) : undefined;
      if (!existing) throw new ConflictError('The flag was set by someone else at the same moment. Refresh and check it.');
      return { id: existing, created: false };
    });
  }

  /** Ends a flag; ending it again on the same date is harmless. */
  async end(flagId: string, endedOn: CalendarDate, options: WriteOptions = {}): Promise<void> {
    const errors = new FieldErrors();
    errors.uuid('flagId', flagId);
    errors.date('endedOn', endedOn);
    if (errors.has('flagId')) throw new NotFoundError('There is no such flag');
    errors.throwIfAny('end of the flag');

    await inTransaction(this.deps.db, async (tx) => {
      const row = await findFlagForUpdate(tx, flagId);
      if (!row) throw new NotFoundError('There is no such flag');
      if (row.ended_on !== null) {
        if (row.ended_on === endedOn) return;
        throw new ConflictError(`This flag already ended on ${row.ended_on}.`);
      }
      if (endedOn < row.started_on) {
        const late = new FieldErrors();
        late.add('endedOn', `endedOn must be on or after the day the flag started (${row.started_on})`);
        late.throwIfAny('end of the flag');
      }
      await endFlagRow(tx, flagId, endedOn);
      await options.onWrite?.(tx, { id: flagId, childId: row.child_id });
    });
  }
}

async function sameSource(db: DbOrTx, source: SourceKey, childId: string): Promise<string | undefined> {
  const existing = await findFlagBySource(db, source.system, source.id);
  if (existing && existing.child_id !== childId) {
    throw new ConflictError(`${source.system} record ${source.id} is already recorded for a different child.`);
  }
  return existing?.id;
}
