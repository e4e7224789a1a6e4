import type { Db, DbOrTx } from '../platform/db/database.js';
import { isCalendarDate, type CalendarDate } from '../platform/time/calendar-date.js';
import { ValidationError } from '../platform/http/errors.js';
import { isUuid } from './field-errors.js';
import { buildSignpost, type CouncilContact, type Signpost } from './signpost.js';
import { findCouncilContacts, findResponsibleCouncil, findSignpostFacts } from './signpost.repository.js';

/**
 * The signpost read model: who is involved with a child, its status flags and area history, with
 * how to reach each of them. Access decisions and the audit entry belong to the caller; sensitive
 * involvements without a recorded basis never reach this layer (the repository filters them).
 */
export class SignpostService {
  constructor(private readonly deps: { db: Db }) {}

  /** How to reach the council responsible for a child (all a shielded record shows); null when none. */
  async responsibleCouncilOf(childId: string, db: DbOrTx = this.deps.db): Promise<CouncilContact | null> {
    if (!isUuid(childId)) return null;
    const row = await findResponsibleCouncil(db, childId);
    return row ? contact(row) : null;
  }

  /** How to reach a council (e.g. the one that shielded a child); null for an unknown id. */
  async councilContact(councilId: string, db: DbOrTx = this.deps.db): Promise<CouncilContact | null> {
    const [c] = await findCouncilContacts(db, [councilId]);
    return c ? contact({ council_id: c.id, council_name: c.name, office_hours_phone: c.office_hours_phone, emergency_duty_phone: c.emergency_duty_phone, council_email: c.email }) : null;
  }

  /**
   * The child's signpost as on `today`; null when there is no such child. Pass the caller's
   * transaction to read inside it. One query: a look-up pays per round trip, not per row.
   */
  async signpostFor(childId: string, today: CalendarDate, db: DbOrTx = this.deps.db): Promise<Signpost | null> {
    if (!isCalendarDate(today)) throw new ValidationError('today must be a real date in the form YYYY-MM-DD', { today: 'today must be a real date in the form YYYY-MM-DD' });
    if (!isUuid(childId)) return null;
    const { responsible, involvements, flags, areas, councils } = await findSignpostFacts(db, childId);
    if (!responsible) return null;
    return buildSignpost({
      childId,
      asOf: today,
      responsibleCouncil: contact(responsible),
      councils: new Map(councils.map((c) => [c.id, contact({ council_id: c.id, council_name: c.name, office_hours_phone: c.office_hours_phone, emergency_duty_phone: c.emergency_duty_phone, council_email: c.email })])),
      involvements: involvements.map((i) => ({
        id: i.id,
        role: i.role,
        service: i.service,
        isLeadProfessional: i.is_lead_professional,
        contactRoute: i.contact_route,
        startedOn: i.started_on,
        endedOn: i.ended_on,
        endReason: i.end_reason,
        holdsEarlyHelpAssessment: i.holds_early_help_assessment,
        organisation: { id: i.organisation_id, name: i.organisation_name, kind: i.organisation_kind, councilId: i.organisation_council_id, phone: i.organisation_phone },
        practitioner: i.practitioner_name === null ? null : { name: i.practitioner_name, phone: i.practitioner_phone, email: i.practitioner_email },
      })),
      flags: flags.map((f) => ({ id: f.id, kind: f.kind, startedOn: f.started_on, endedOn: f.ended_on, council: contact(f) })),
      areas: areas.map((a) => ({ id: a.id, from: a.from_date, to: a.to_date, reason: a.reason, council: contact(a) })),
    });
  }
}

function contact(row: { council_id: string; council_name: string; office_hours_phone: string | null; emergency_duty_phone: string | null; council_email: string | null }): CouncilContact {
  return {
    councilId: row.council_id,
    name: row.council_name,
    officeHoursPhone: row.office_hours_phone,
    emergencyDutyPhone: row.emergency_duty_phone,
    email: row.council_email,
  };
}
