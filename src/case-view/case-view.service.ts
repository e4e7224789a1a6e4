import { resolveSurvivor } from '../match-review/match-review.repository.js';
import { inTransaction, type Db, type DbOrTx } from '../platform/db/database.js';
import { NotFoundError } from '../platform/http/errors.js';
import type { Clock } from '../platform/time/clock.js';
import { ukDate, type CalendarDate } from '../platform/time/calendar-date.js';
import type { AuditService } from '../audit/audit.service.js';
import { auditActor, type Viewer } from '../access/viewer.js';
import { decideChildAccess } from '../access/child-access.js';
import { listCaseViewable, loadAccessFacts } from '../access/access-facts.repository.js';
import type { ChildrenService } from '../children/children.service.js';
import type { Child } from '../children/child-identity.js';
import { isUuid } from '../involvements/field-errors.js';
import { END_REASON_LABELS, FLAG_LABELS, ROLE_LABELS, isOneOf, END_REASONS, FLAG_KINDS, INVOLVEMENT_ROLES } from '../involvements/involvement-codes.js';
import { RECORD_TRIGGER_LABELS } from '../child-pages/labels.js';
import { findCouncilName, listAreas, listFlags, listVisibleInvolvements } from './case-view.repository.js';

export interface ChronologyEvent {
  on: CalendarDate;
  what: string;
  detail: string;
}

export interface CaseInvolvement {
  who: string;
  role: string;
  organisation: string;
  team: string | null;
  contactRoute: string | null;
  since: CalendarDate;
  until: CalendarDate | null;
  endReason: string | null;
  isLeadProfessional: boolean;
}

/** The case view (SECURITY §1): the record's chronology and every visible involvement. */
export interface CaseView {
  child: Child;
  basis: string;
  council: { name: string; officeHoursPhone: string | null; emergencyDutyPhone: string | null };
  chronology: ChronologyEvent[];
  involvements: CaseInvolvement[];
}

const MAX_LISTED = 200;

/**
 * Opens a child's case view under the one access rule, and lists the children a user may open it
 * for. Every open is audited with its basis in the same transaction; a refusal is committed and
 * then answered exactly as a missing child.
 */
export class CaseViewService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; children: ChildrenService }) {}

  #today(): CalendarDate {
    return ukDate(this.deps.clock.now());
  }

  async open(viewer: Viewer, childId: string, statedReason: string | null, requestId: string | null): Promise<CaseView> {
    if (!isUuid(childId)) throw new NotFoundError('No child with this reference');
    // A record merged into another answers as the surviving record.
    const id = await resolveSurvivor(this.deps.db, childId.toLowerCase());
    const reason = statedReason?.trim() ? `case view: ${statedReason.trim()}` : 'case view';
    const view = await inTransaction(this.deps.db, async (tx): Promise<CaseView | null> => {
      const facts = (await loadAccessFacts(tx, [id], { userId: viewer.kind === 'user' ? viewer.userId : null, today: this.#today(), now: this.deps.clock.now() })).get(id);
      if (!facts) return null;
      const decision = decideChildAccess(viewer, facts, 'case', reason);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'view', childId: id, basis: decision.basis, reason, outcome: decision.allow ? 'allowed' : 'refused', requestId });
      if (!decision.allow) return null;
      const child = await this.deps.children.read(id, tx);
      if (!child) return null;
      return this.#build(tx, child, decision.basis);
    });
    if (!view) throw new NotFoundError('No child with this reference');
    return view;
  }

  /**
   * "Children you work with": the children whose case view this user may open, filtered in SQL by
   * the same rule as {@link open}. Shielded children appear only to their seal-holders and grant
   * holders, as the rule says. The listing itself is audited.
   */
  async mine(viewer: Viewer, requestId: string | null): Promise<{ childId: string; name: string; dateOfBirth: CalendarDate }[]> {
    if (viewer.kind !== 'user') return [];
    return inTransaction(this.deps.db, async (tx) => {
      const ids = await this.caseViewableIds(viewer, tx);
      await this.deps.audit.record(tx, { ...auditActor(viewer), action: 'search', childId: null, basis: 'own relationships', reason: 'children you work with', outcome: 'allowed', requestId });
      // One query for the names of all of them (up to MAX_LISTED): read one by one, a list of 200
      // took about 100 ms of round trips. Shredded children are left out.
      const out = (await this.deps.children.readPeople(ids, tx)).map(({ id, identity }) => {
        const given = identity.givenNames ? `${identity.givenNames} ` : '';
        return { childId: id, name: `${given}${identity.familyName}`, dateOfBirth: identity.dateOfBirth };
      });
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  /** The ids only, unaudited: the SQL list filter the property test compares with the per-record rule. */
  caseViewableIds(viewer: Viewer, db: DbOrTx = this.deps.db): Promise<string[]> {
    if (viewer.kind !== 'user') return Promise.resolve([]);
    return listCaseViewable(db, viewer, { today: this.#today(), now: this.deps.clock.now() }, MAX_LISTED);
  }

  async #build(db: DbOrTx, child: Child, basis: string): Promise<CaseView> {
    const [involvementRows, flags, areas, council] = await Promise.all([
      listVisibleInvolvements(db, child.id), listFlags(db, child.id), listAreas(db, child.id), findCouncilName(db, child.responsibleCouncilId),
    ]);
    const involvements: CaseInvolvement[] = involvementRows.map((i) => ({
      who: i.practitioner_name ?? i.service,
      role: isOneOf(INVOLVEMENT_ROLES, i.role) ? ROLE_LABELS[i.role] : i.role,
      organisation: i.organisation_name,
      team: i.team,
      contactRoute: i.contact_route,
      since: i.started_on,
      until: i.ended_on,
      endReason: i.end_reason === null ? null : isOneOf(END_REASONS, i.end_reason) ? END_REASON_LABELS[i.end_reason] : i.end_reason,
      isLeadProfessional: i.is_lead_professional,
    }));
    const events: ChronologyEvent[] = [{ on: child.triggerDate, what: 'Record created', detail: RECORD_TRIGGER_LABELS[child.recordTrigger] }];
    for (const i of involvements) {
      const who = `${i.who}, ${i.role}, ${i.organisation}`;
      events.push({ on: i.since, what: i.isLeadProfessional ? 'Involvement started (lead professional)' : 'Involvement started', detail: who });
      if (i.until) events.push({ on: i.until, what: 'Involvement ended', detail: `${who}${i.endReason ? `: ${i.endReason}` : ''}` });
    }
    for (const f of flags) {
      const label = isOneOf(FLAG_KINDS, f.kind) ? FLAG_LABELS[f.kind] : f.kind;
      events.push({ on: f.started_on, what: 'Flag set', detail: `${label} (${f.council_name})` });
      if (f.ended_on) events.push({ on: f.ended_on, what: 'Flag ended', detail: `${label} (${f.council_name})` });
    }
    for (const a of areas) events.push({ on: a.from_date, what: 'Area', detail: `${a.council_name}${a.reason ? `: ${a.reason}` : ''}` });
    // Newest first; on one day, in the order they were gathered.
    const chronology = events.map((e, n) => ({ e, n })).sort((x, y) => (x.e.on === y.e.on ? x.n - y.n : x.e.on < y.e.on ? 1 : -1)).map((x) => x.e);
    return {
      child,
      basis,
      council: { name: council?.name ?? 'Not recorded', officeHoursPhone: council?.office_hours_phone ?? null, emergencyDutyPhone: council?.emergency_duty_phone ?? null },
      chronology,
      involvements,
    };
  }
}
