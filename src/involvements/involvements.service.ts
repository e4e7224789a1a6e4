import { inTransaction, type Db, type DbOrTx, type Tx } from '../platform/db/database.js';
import { ConflictError, NotFoundError } from '../platform/http/errors.js';
import type { CalendarDate } from '../platform/time/calendar-date.js';
import {
  END_REASONS,
  INVOLVEMENT_ROLES,
  isOneOf,
  SENSITIVE_BASES,
  SENSITIVE_SERVICES,
  type SensitiveBasis,
  type SensitiveService,
} from './involvement-codes.js';
import { FieldErrors } from './field-errors.js';
import {
  endInvolvementRow,
  findChildForInvolvements,
  findInvolvementBySource,
  findOpenLeadProfessional,
  findOrganisationSummary,
  findPractitionerSummary,
  findVisibleInvolvementForUpdate,
  insertInvolvement,
} from './involvements.repository.js';

/** A key from another system, so a retried feed message never adds a second record. */
export interface SourceKey {
  system: string;
  id: string;
}

/**
 * Options for a write. `onWrite` runs inside the write's own transaction once something was
 * written — not when a retried message changes nothing — so the caller's audit entry commits with
 * the write or not at all (SECURITY §2: no audit, no data).
 */
export interface WriteOptions {
  onWrite?: (tx: Tx, written: { id: string; childId: string }) => Promise<void>;
}

/** An involvement as a practitioner or an agency feed records it. */
export interface NewInvolvement {
  childId: string;
  organisationId: string;
  /** Null for a team or clinic with no named practitioner. */
  practitionerId?: string | null;
  /** The service within the agency, e.g. "Children's social care – Assessment team", "CAMHS". */
  service: string;
  /** One of {@link INVOLVEMENT_ROLES}; checked, since feeds send free text. */
  role: string;
  isLeadProfessional?: boolean;
  /** How other practitioners reach this one: a phone number, email or team duty line. */
  contactRoute?: string | null;
  startedOn: CalendarDate;
  holdsEarlyHelpAssessment?: boolean;
  /** Set for sexual health, mental health and substance misuse services: hidden without a basis. */
  sensitiveService?: SensitiveService | null;
  sensitiveBasis?: SensitiveBasis | null;
  source?: SourceKey | null;
}

/** Ending an involvement: the last day is the day before `endedOn`, with a DfE worker-change code. */
export interface InvolvementEnding {
  endedOn: CalendarDate;
  /** One of {@link END_REASONS}. */
  endReason: string;
}

/**
 * Who is involved with a child: records and ends involvements. Callers make the access decision
 * and write the audit entry; this layer checks the facts (the organisation and practitioner
 * exist and belong together, dates are in order, codes are DfE's) and keeps feeds idempotent.
 */
export class InvolvementsService {
  constructor(private readonly deps: { db: Db }) {}

  /**
   * Records an involvement. With a source key, sending the same involvement again returns the
   * first one (`created: false`) rather than adding another.
   */
  async add(input: NewInvolvement, options: WriteOptions = {}): Promise<{ id: string; created: boolean }> {
    const errors = new FieldErrors();
    errors.uuid('childId', input.childId);
    errors.uuid('organisationId', input.organisationId);
    if (input.practitionerId != null) errors.uuid('practitionerId', input.practitionerId);
    errors.text('service', input.service, 200);
    if (!isOneOf(INVOLVEMENT_ROLES, input.role)) errors.add('role', `role must be one of: ${INVOLVEMENT_ROLES.join(', ')}`);
    errors.date('startedOn', input.startedOn);
    if (input.contactRoute != null) errors.text('contactRoute', input.contactRoute, 200);
    if (input.sensitiveService != null && !isOneOf(SENSITIVE_SERVICES, input.sensitiveService)) {
      errors.add('sensitiveService', `sensitiveService must be one of: ${SENSITIVE_SERVICES.join(', ')}`);
    }
    if (input.sensitiveBasis != null) {
      if (!isOneOf(SENSITIVE_BASES, input.sensitiveBasis)) errors.add('sensitiveBasis', `sensitiveBasis must be one of: ${SENSITIVE_BASES.join(', ')}`);
      else if (input.sensitiveService == null) errors.add('sensitiveBasis', 'sensitiveBasis is only recorded for a sensitive service: set sensitiveService too');
    }
    if (input.source) {
      errors.text('source.system', input.source.system, 100);
      errors.text('source.id', input.source.id, 200);
    }
    errors.throwIfAny('involvement');

    return inTransaction(this.deps.db, async (tx) => {
      if (input.source) {
        const existing = await this.#sameSource(tx, input.source, input.childId);
        if (existing) return { id: existing, created: false };
      }
      const [child, organisation, practitioner] = await Promise.all([
        findChildForInvolvements(tx, input.childId),
        findOrganisationSummary(tx, input.organisationId),
        input.practitionerId != null ? findPractitionerSummary(tx, input.practitionerId) : Promise.resolve(null),
      ]);
      const facts = new FieldErrors();
      if (!child) facts.add('childId', 'childId does not match any child');
      if (!organisation) facts.add('organisationId', 'organisationId does not match any organisation');
      if (practitioner === undefined) facts.add('practitionerId', 'practitionerId does not match any practitioner');
      else if (practitioner && organisation && practitioner.organisation_id !== organisation.id) {
        facts.add('practitionerId', 'practitionerId is a practitioner at a different organisation from organisationId');
      }
      facts.throwIfAny('involvement');

      if (input.isLeadProfessional && (await findOpenLeadProfessional(tx, input.childId))) {
        throw new ConflictError('This child already has a lead professional. End that involvement before recording a new lead professional.');
      }
      const result = await insertInvolvement(tx, {
        childId: input.childId,
        organisationId: input.organisationId,
        practitionerId: input.practitionerId ?? null,
        service: input.service.trim(),
        role: input.role,
        isLeadProfessional: input.isLeadProfessional ?? false,
        contactRoute: input.contactRoute?.trim() ?? null,
        startedOn: input.startedOn,
        holdsEarlyHelpAssessment: input.holdsEarlyHelpAssessment ?? false,
        sensitiveService: input.sensitiveService ?? null,
        sensitiveBasis: input.sensitiveBasis ?? null,
        source: input.source ?? null,
      });
      if ('id' in result) {
        await options.onWrite?.(tx, { id: result.id, childId: input.childId });
        return { id: result.id, created: true };
      }
      if (result.taken === 'lead') {
        throw new ConflictError('This child already has a lead professional. End that involvement before recording a new lead professional.');
      }
      // A concurrent copy of the same feed message got in first: that one is the answer.
      const existing = input.source ? await this.#sameSource(tx, input.source, input.childId) : undefined;
      if (!existing) throw new ConflictError('The involvement could not be recorded. Try again.');
      return { id: existing, created: false };
    });
  }

  /**
   * Ends an involvement on `endedOn` with a DfE worker-change code. Ending it again with the same
   * date is harmless (feeds retry); a different date is a conflict.
   */
  async end(involvementId: string, ending: InvolvementEnding, options: WriteOptions = {}): Promise<void> {
    const errors = new FieldErrors();
    errors.uuid('involvementId', involvementId);
    errors.date('endedOn', ending.endedOn);
    if (!isOneOf(END_REASONS, ending.endReason)) {
      errors.add('endReason', `endReason must be a DfE worker-change code: ${END_REASONS.join(', ')}`);
    }
    if (errors.has('involvementId')) throw new NotFoundError('There is no such involvement');
    errors.throwIfAny('end of the involvement');

    await inTransaction(this.deps.db, async (tx) => {
      const row = await findVisibleInvolvementForUpdate(tx, involvementId);
      if (!row) throw new NotFoundError('There is no such involvement');
      if (row.ended_on !== null) {
        if (row.ended_on === ending.endedOn) return;
        throw new ConflictError(`This involvement already ended on ${row.ended_on}.`);
      }
      if (ending.endedOn < row.started_on) {
        const errors = new FieldErrors();
        errors.add('endedOn', `endedOn must be on or after the day the involvement started (${row.started_on})`);
        errors.throwIfAny('end of the involvement');
      }
      await endInvolvementRow(tx, involvementId, ending.endedOn, ending.endReason);
      await options.onWrite?.(tx, { id: involvementId, childId: row.child_id });
    });
  }

  /** The id of the involvement already sent under this key; a conflict if it was for another child. */
  async #sameSource(db: DbOrTx, source: SourceKey, childId: string): Promise<string | undefined> {
    const existing = await findInvolvementBySource(db, source.system, source.id);
    if (existing && existing.child_id !== childId) {
      throw new ConflictError(`${source.system} record ${source.id} is already recorded for a different child.`);
    }
    return existing?.id;
  }
}
