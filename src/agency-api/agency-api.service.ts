import { inTransaction, type Db } from '../platform/db/database.js';
import { resolveSurvivor } from '../match-review/match-review.repository.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/http/errors.js';
import { isCalendarDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { maySendAs } from '../access/child-access.js';
import type { ChildrenService } from '../children/children.service.js';
import { findIdentifierOwners } from '../child-records/child-records.repository.js';
import { findOrganisationByCode } from '../organisations/organisations.repository.js';
import { ChildSearchService, type ChildSearchQuery, type ChildSearchResult } from '../search/child-search.service.js';
import type { AreaHistoryService } from '../involvements/area-history.service.js';
import type { FlagsService } from '../involvements/flags.service.js';
import type { InvolvementEnding, InvolvementsService, SourceKey, WriteOptions } from '../involvements/involvements.service.js';
import { FieldErrors, isUuid } from '../involvements/field-errors.js';
import { INVOLVEMENT_ROLES, isOneOf, SENSITIVE_BASES, SENSITIVE_SERVICES, type SensitiveBasis, type SensitiveService } from '../involvements/involvement-codes.js';
import { findChildForInvolvements, findFlagBySource, findInvolvementBySource } from '../involvements/involvements.repository.js';
import { findOrAddPractitioner } from './agency-api.repository.js';

/** How a feed names a child: Signpost's id, or the id this same system sent the child with. */
export interface ChildReference {
  childId?: string | null | undefined;
  childSourceId?: string | null | undefined;
}

export interface InvolvementFromSource extends ChildReference {
  organisationCode: string;
  /** The named practitioner, added to the organisation's directory the first time. */
  practitioner?: { name: string; phone?: string | null | undefined; email?: string | null | undefined } | null | undefined;
  service: string;
  role: string;
  isLeadProfessional?: boolean | undefined;
  contactRoute?: string | null | undefined;
  startedOn: CalendarDate;
  holdsEarlyHelpAssessment?: boolean | undefined;
  sensitiveService?: string | null | undefined;
  sensitiveBasis?: string | null | undefined;
}

export interface FlagFromSource extends ChildReference {
  kind: string;
  councilCode: string;
  startedOn: CalendarDate;
}

export interface MoveFromSource {
  councilCode: string;
  movedOn: CalendarDate;
  reason?: string | null | undefined;
}

/**
 * What agency systems do through the API beyond one domain service: their references (source
 * ids, organisation codes) are turned into Signpost's ids, every write is audited in the write's
 * own transaction (basis "feed from <system>"), and a search is audited with its reason. Writes
 * are idempotent on (system, source id): a retry changes nothing and writes no second entry.
 */
export class AgencyApiService {
  constructor(
    private readonly deps: {
      db: Db;
      audit: AuditService;
      children: ChildrenService;
      childSearch: ChildSearchService;
      involvements: InvolvementsService;
      flags: FlagsService;
      areaHistory: AreaHistoryService;
    },
  ) {}

  /** Searches with a stated reason; the search and its audit entry stand or fall together. */
  async search(viewer: Viewer, query: ChildSearchQuery, reason: string, requestId: string | null): Promise<ChildSearchResult[]> {
    const stated = reason.trim();
    const fields: Record<string, string> = {};
    if (!stated) fields['reason'] = 'Say why you are searching (1 to 500 characters)';
    try {
      ChildSearchService.validate(query);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      Object.assign(fields, error.fields);
    }
    if (Object.keys(fields).length > 0) throw new ValidationError('Check the search', fields);
    // The search's own statement writes the entry, so it is committed before any result leaves
    // and if it cannot be written nothing is returned: no entry, no results, in one round trip.
    return this.deps.childSearch.search(query, this.deps.audit.stamp({ ...auditActor(viewer), action: 'search', basis: 'stated reason', reason: stated, outcome: 'allowed', requestId }));
  }

  /** Records an involvement sent as `source`; the same source again returns the first (`created: false`). */
  async recordInvolvement(viewer: Viewer, sent: SourceKey, input: InvolvementFromSource, requestId: string | null): Promise<{ involvementId: string; childId: string; created: boolean }> {
    const source = sendingAs(viewer, sent);
    const errors = new FieldErrors();
    const [childId, organisationId] = await Promise.all([this.#child(input, source.system, errors), this.#organisation('organisationCode', input.organisationCode, false, errors)]);
    const practitionerName = input.practitioner?.name.trim() ?? '';
    if (input.practitioner && (!practitionerName || practitionerName.length > 200)) errors.add('practitioner.name', 'practitioner.name must be 1 to 200 characters');
    errors.throwIfAny('involvement');

    // The practitioner joins the directory only for a new involvement that will be accepted, so a
    // retry or a refused message adds nobody. (InvolvementsService checks these fields again.)
    const known = await findInvolvementBySource(this.deps.db, source.system, source.id);
    let practitionerId: string | null = null;
    if (input.practitioner && !known && plainFieldsValid(input)) {
      const { phone, email } = input.practitioner;
      practitionerId = await inTransaction(this.deps.db, (tx) => findOrAddPractitioner(tx, {
        organisationId, name: practitionerName, role: input.role, phone: phone?.trim() || null, email: email?.trim() || null,
      }));
    }
    const audited = this.#audited(viewer, `feed from ${source.system}`, `involvement recorded: ${input.role}`, requestId);
    const result = await inApiTerms(this.deps.involvements.add({
      childId,
      organisationId,
      practitionerId,
      service: input.service,
      role: input.role,
      isLeadProfessional: input.isLeadProfessional ?? false,
      contactRoute: input.contactRoute?.trim() || null,
      startedOn: input.startedOn,
      holdsEarlyHelpAssessment: input.holdsEarlyHelpAssessment ?? false,
      // Checked against the code lists by the service: feeds send free text.
      sensitiveService: (input.sensitiveService ?? null) as SensitiveService | null,
      sensitiveBasis: (input.sensitiveBasis ?? null) as SensitiveBasis | null,
      source,
    }, audited.options), { organisationId: 'organisationCode', practitionerId: 'practitioner' });
    return { involvementId: result.id, childId, created: result.created };
  }

  /** Ends the involvement sent as `source`; ending it again the same way changes nothing. */
  async endInvolvement(viewer: Viewer, sent: SourceKey, ending: InvolvementEnding, requestId: string | null): Promise<{ involvementId: string; childId: string; changed: boolean }> {
    const source = sendingAs(viewer, sent);
    const known = await findInvolvementBySource(this.deps.db, source.system, source.id);
    if (!known) throw new NotFoundError('No involvement has been sent from this system with this id');
    const audited = this.#audited(viewer, `feed from ${source.system}`, `involvement ended: ${ending.endReason}`, requestId);
    await this.deps.involvements.end(known.id, ending, audited.options);
    return { involvementId: known.id, childId: known.child_id, changed: audited.outcome.wrote };
  }

  /** Sets the flag sent as `source`; the same source again returns the first (`created: false`). */
  async setFlag(viewer: Viewer, sent: SourceKey, input: FlagFromSource, requestId: string | null): Promise<{ flagId: string; childId: string; created: boolean }> {
    const source = sendingAs(viewer, sent);
    const errors = new FieldErrors();
    const [childId, councilId] = await Promise.all([this.#child(input, source.system, errors), this.#organisation('councilCode', input.councilCode, true, errors)]);
    errors.throwIfAny('flag');
    const audited = this.#audited(viewer, `feed from ${source.system}`, `flag set: ${input.kind}`, requestId);
    const result = await inApiTerms(
      this.deps.flags.set({ childId, kind: input.kind, responsibleCouncilId: councilId, startedOn: input.startedOn, source }, audited.options),
      { responsibleCouncilId: 'councilCode' },
    );
    return { flagId: result.id, childId, created: result.created };
  }

  /** Ends the flag sent as `source`; ending it again on the same date changes nothing. */
  async endFlag(viewer: Viewer, sent: SourceKey, endedOn: CalendarDate, requestId: string | null): Promise<{ flagId: string; childId: string; changed: boolean }> {
    const source = sendingAs(viewer, sent);
    const known = await findFlagBySource(this.deps.db, source.system, source.id);
    if (!known) throw new NotFoundError('No flag has been sent from this system with this id');
    const audited = this.#audited(viewer, `feed from ${source.system}`, 'flag ended', requestId);
    await this.deps.flags.end(known.id, endedOn, audited.options);
    return { flagId: known.id, childId: known.child_id, changed: audited.outcome.wrote };
  }

  /**
   * Records that a child now lives in another council's area. The same move sent again changes
   * nothing (`created: false`). An unknown child is a 404, as for every child-addressed route.
   */
  async recordMove(viewer: Viewer, requestedId: string, move: MoveFromSource, requestId: string | null): Promise<{ areaId: string; childId: string; created: boolean }> {
    if (!isUuid(requestedId) || !(await findChildForInvolvements(this.deps.db, requestedId))) throw new NotFoundError('No child with this reference');
    const childId = await resolveSurvivor(this.deps.db, requestedId);
    const errors = new FieldErrors();
    const councilId = await this.#organisation('councilCode', move.councilCode, true, errors);
    errors.throwIfAny('move');
    const system = viewer.kind === 'api-client' ? viewer.clientId : 'practitioner entry';
    const audited = this.#audited(viewer, `feed from ${system}`, 'move recorded', requestId);
    const result = await inApiTerms(
      this.deps.areaHistory.recordMove(childId, { councilId, movedOn: move.movedOn, reason: move.reason?.trim() || null }, audited.options),
      { councilId: 'councilCode' },
    );
    return { areaId: result.areaId, childId, created: result.created };
  }

  /** The child named by id or by this system's source id; adds a field error and returns '' when there is none. */
  async #child(ref: ChildReference, system: string, errors: FieldErrors): Promise<string> {
    const childId = ref.childId?.trim() ?? '';
    const sourceId = ref.childSourceId?.trim() ?? '';
    if (childId && sourceId) {
      errors.add('childId', 'Send childId or childSourceId, not both');
      return '';
    }
    if (childId) {
      if (!isUuid(childId) || !(await findChildForInvolvements(this.deps.db, childId))) {
        errors.add('childId', 'childId does not match any child');
        return childId;
      }
      // An id of a record merged into another names the surviving record.
      return resolveSurvivor(this.deps.db, childId);
    }
    if (sourceId) {
      // The same keyed look-up the child upsert stored: (source_system, system, source id).
      const issuer = system;
      const lookup = this.deps.children.sealer.indexer.identifierLookup('source_system', issuer, sourceId);
      const [owner] = await findIdentifierOwners(this.deps.db, [{ kind: 'source_system', issuer, lookup }]);
      if (!owner) errors.add('childSourceId', 'No child has been sent from this system with this childSourceId: PUT the child first');
      return owner?.childId ?? '';
    }
    errors.add('childId', 'Send childId, or childSourceId (the id this system sent the child with)');
    return '';
  }

  async #organisation(field: string, code: string, councilOnly: boolean, errors: FieldErrors): Promise<string> {
    const trimmed = code.trim();
    const organisation = trimmed ? await findOrganisationByCode(this.deps.db, trimmed) : undefined;
    if (!organisation) errors.add(field, `No organisation has this ${field}; list them with GET /api/v1/organisations`);
    else if (councilOnly && organisation.kind !== 'council') errors.add(field, `${field} must be a council's code`);
    return organisation?.id ?? '';
  }

  /** Write options whose hook records the audit entry in the write's transaction, and says whether it ran. */
  #audited(viewer: Viewer, basis: string, reason: string, requestId: string | null): { options: WriteOptions; outcome: { wrote: boolean } } {
    const outcome = { wrote: false };
    const options: WriteOptions = {
      onWrite: async (tx, written) => {
        outcome.wrote = true;
        await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'update', childId: written.childId, basis, reason, outcome: 'allowed', requestId });
      },
    };
    return { options, outcome };
  }
}

/** The trimmed source key, once the viewer is known to be allowed to send as that system. */
function sendingAs(viewer: Viewer, sent: SourceKey): SourceKey {
  const source = trimmed(sent);
  if (!maySendAs(viewer, source.system)) {
    throw new ForbiddenError(`This client is not registered to send records as ${source.system}. Ask a Signpost administrator to add the source system to the client.`);
  }
  return source;
}

/** A source key as the child upsert stores it (trimmed), so "mosaic " and "mosaic" are one system. */
function trimmed(source: SourceKey): SourceKey {
  return { system: source.system.trim(), id: source.id.trim() };
}

/** The checks InvolvementsService.add makes on plain fields, so a practitioner is added only for an involvement it will accept. */
function plainFieldsValid(input: InvolvementFromSource): boolean {
  return isOneOf(INVOLVEMENT_ROLES, input.role)
    && isCalendarDate(input.startedOn)
    && input.service.trim().length > 0 && input.service.length <= 200
    && (input.contactRoute == null || input.contactRoute.length <= 200)
    && (input.sensitiveService == null || isOneOf(SENSITIVE_SERVICES, input.sensitiveService))
    && (input.sensitiveBasis == null || (isOneOf(SENSITIVE_BASES, input.sensitiveBasis) && input.sensitiveService != null));
}

/** Services name their own fields (organisationId); the API's names are codes (organisationCode). */
async function inApiTerms<T>(work: Promise<T>, names: Readonly<Record<string, string>>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const rename = (text: string) => Object.entries(names).reduce((out, [from, to]) => out.replaceAll(from, to), text);
    const fields = Object.fromEntries(Object.entries(error.fields).map(([field, message]) => [names[field] ?? field, rename(message)]));
    throw new ValidationError(rename(error.message), fields);
  }
}
