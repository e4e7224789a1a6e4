import type { CalendarDate } from '../platform/time/calendar-date.js';
import {
  CP_IS_FLAG_KINDS,
  END_REASON_LABELS,
  FLAG_LABELS,
  isOneOf,
  END_REASONS,
  ROLE_LABELS,
  INVOLVEMENT_ROLES,
  FLAG_KINDS,
  type EndReason,
  type FlagKind,
  type InvolvementRole,
} from './involvement-codes.js';
import { hasEndedBy, isActiveOn, isCpIsVisibleOn } from './periods.js';

/** How to reach a council about a child: shown with flags, areas and the "open elsewhere" signal. */
export interface CouncilContact {
  councilId: string;
  name: string;
  officeHoursPhone: string | null;
  emergencyDutyPhone: string | null;
  email: string | null;
}

export interface InvolvementView {
  id: string;
  role: InvolvementRole;
  roleLabel: string;
  /** Null for a team or clinic without a named practitioner. */
  practitionerName: string | null;
  agency: { id: string; name: string };
  service: string;
  /** The recorded route, else the practitioner's phone or email, else the agency's number. */
  contactRoute: string | null;
  isLeadProfessional: boolean;
  holdsEarlyHelpAssessment: boolean;
  since: CalendarDate;
  until: CalendarDate | null;
  endReason: EndReason | null;
  endReasonLabel: string | null;
}

export interface FlagView {
  id: string;
  kind: FlagKind;
  label: string;
  active: boolean;
  startedOn: CalendarDate;
  endedOn: CalendarDate | null;
  /** True while CP-IS would show it in unscheduled care: active, or ended within 12 months. */
  sharedWithUnscheduledCare: boolean;
  council: CouncilContact;
}

export interface AreaView {
  id: string;
  council: CouncilContact;
  from: CalendarDate;
  to: CalendarDate | null;
  reason: string | null;
  current: boolean;
}

/** A council other than the current area's that still holds an active flag or involvement. */
export interface OpenElsewhere {
  council: CouncilContact;
  flags: FlagKind[];
  involvements: number;
}

/** The signpost view (SECURITY §1): who is involved, status flags and area history. No case notes. */
export interface Signpost {
  childId: string;
  asOf: CalendarDate;
  /** The council responsible on the child's record, with how to reach it (read with the signpost). */
  responsibleCouncil: CouncilContact;
  /** Active involvements: the lead professional first, then the most recent. */
  current: InvolvementView[];
  /** Active flags first (most recent first), then ended ones (most recently ended first). */
  flags: FlagView[];
  area: {
    /** The council whose area the child is in today (the responsible council if no history is recorded). */
    current: CouncilContact;
    /** Most recent first. */
    history: AreaView[];
    /** Councils other than the current one with open work: ask them before acting. Empty when none. */
    openInAnotherArea: OpenElsewhere[];
  };
  /** Involvements starting after `asOf` (planned handovers). */
  upcoming: InvolvementView[];
  /** Ended involvements with their end reasons, most recently ended first. */
  past: InvolvementView[];
}

export interface SignpostInvolvementFacts {
  id: string;
  role: string;
  service: string;
  isLeadProfessional: boolean;
  contactRoute: string | null;
  startedOn: CalendarDate;
  endedOn: CalendarDate | null;
  endReason: string | null;
  holdsEarlyHelpAssessment: boolean;
  organisation: { id: string; name: string; kind: string; councilId: string | null; phone: string | null };
  practitioner: { name: string; phone: string | null; email: string | null } | null;
}

export interface SignpostFlagFacts {
  id: string;
  kind: string;
  startedOn: CalendarDate;
  endedOn: CalendarDate | null;
  council: CouncilContact;
}

export interface SignpostAreaFacts {
  id: string;
  from: CalendarDate;
  to: CalendarDate | null;
  reason: string | null;
  council: CouncilContact;
}

/**
 * Assembles the signpost view from a child's (already visibility-filtered) records as on `asOf`.
 * Pure, so ordering and the "open in another area" rule are tested with a fixed date.
 */
export function buildSignpost(input: {
  childId: string;
  asOf: CalendarDate;
  involvements: readonly SignpostInvolvementFacts[];
  flags: readonly SignpostFlagFacts[];
  areas: readonly SignpostAreaFacts[];
  responsibleCouncil: CouncilContact;
  /** Contacts for councils that hold work through a school or GP in their area. */
  councils: ReadonlyMap<string, CouncilContact>;
}): Signpost {
  const { asOf } = input;
  const period = (i: { startedOn: CalendarDate; endedOn: CalendarDate | null }) => ({ start: i.startedOn, end: i.endedOn });

  const views = input.involvements.map((i) => ({ facts: i, view: involvementView(i) }));
  const current = views.filter(({ facts }) => isActiveOn(period(facts), asOf)).map(({ view }) => view)
    .sort((a, b) => Number(b.isLeadProfessional) - Number(a.isLeadProfessional) || descending(a.since, b.since) || a.id.localeCompare(b.id));
  const upcoming = views.filter(({ facts }) => facts.startedOn > asOf).map(({ view }) => view)
    .sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
  const past = views.filter(({ facts }) => facts.startedOn <= asOf && hasEndedBy(period(facts), asOf)).map(({ view }) => view)
    .sort((a, b) => descending(a.until ?? '', b.until ?? '') || descending(a.since, b.since) || a.id.localeCompare(b.id));

  const flags: FlagView[] = input.flags
    .filter((f): f is SignpostFlagFacts & { kind: FlagKind } => isOneOf(FLAG_KINDS, f.kind))
    .map((f) => ({
      id: f.id,
      kind: f.kind,
      label: FLAG_LABELS[f.kind],
      active: isActiveOn(period(f), asOf),
      startedOn: f.startedOn,
      endedOn: f.endedOn,
      sharedWithUnscheduledCare: CP_IS_FLAG_KINDS.includes(f.kind) && isCpIsVisibleOn(period(f), asOf),
      council: f.council,
    }))
    .sort((a, b) => Number(b.active) - Number(a.active)
      || (a.active ? descending(a.startedOn, b.startedOn) : descending(a.endedOn ?? '', b.endedOn ?? ''))
      || a.id.localeCompare(b.id));

  const history: AreaView[] = input.areas.map((a) => ({
    id: a.id,
    council: a.council,
    from: a.from,
    to: a.to,
    reason: a.reason,
    current: false,
  })).sort((a, b) => descending(a.from, b.from) || descending(a.to ?? '9999-12-31', b.to ?? '9999-12-31'));
  // Today's area; failing that (a move recorded ahead of time), the open one; failing that, the record's council.
  const currentArea = history.find((a) => isActiveOn({ start: a.from, end: a.to }, asOf)) ?? history.find((a) => a.to === null);
  if (currentArea) currentArea.current = true;
  const currentCouncil = currentArea?.council ?? input.responsibleCouncil;

  const elsewhere = new Map<string, OpenElsewhere>();
  const holder = (council: CouncilContact) => {
    let entry = elsewhere.get(council.councilId);
    if (!entry) elsewhere.set(council.councilId, (entry = { council, flags: [], involvements: 0 }));
    return entry;
  };
  for (const flag of flags) {
    if (flag.active && flag.council.councilId !== currentCouncil.councilId) holder(flag.council).flags.push(flag.kind);
  }
  for (const { facts } of views) {
    if (!isActiveOn(period(facts), asOf)) continue;
    // Work is held by a council directly, or through a school or GP practice in its area.
    const councilId = facts.organisation.kind === 'council' ? facts.organisation.id : facts.organisation.councilId;
    if (councilId === null || councilId === currentCouncil.councilId) continue;
    const council = input.councils.get(councilId);
    if (council) holder(council).involvements += 1;
  }

  return {
    childId: input.childId,
    asOf,
    responsibleCouncil: input.responsibleCouncil,
    current,
    flags,
    area: { current: currentCouncil, history, openInAnotherArea: [...elsewhere.values()].sort((a, b) => a.council.name.localeCompare(b.council.name)) },
    upcoming,
    past,
  };
}

function involvementView(i: SignpostInvolvementFacts): InvolvementView {
  const role: InvolvementRole = isOneOf(INVOLVEMENT_ROLES, i.role) ? i.role : 'other';
  const endReason = i.endReason !== null && isOneOf(END_REASONS, i.endReason) ? i.endReason : null;
  return {
    id: i.id,
    role,
    roleLabel: ROLE_LABELS[role],
    practitionerName: i.practitioner?.name ?? null,
    agency: { id: i.organisation.id, name: i.organisation.name },
    service: i.service,
    contactRoute: i.contactRoute ?? i.practitioner?.phone ?? i.practitioner?.email ?? i.organisation.phone,
    isLeadProfessional: i.isLeadProfessional,
    holdsEarlyHelpAssessment: i.holdsEarlyHelpAssessment,
    since: i.startedOn,
    until: i.endedOn,
    endReason,
    endReasonLabel: endReason ? END_REASON_LABELS[endReason] : null,
  };
}

/** Comparator for newest first on ISO dates. */
function descending(a: string, b: string): number {
  return b.localeCompare(a);
}
