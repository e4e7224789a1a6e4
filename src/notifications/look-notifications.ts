import type { CalendarDate } from '../platform/time/calendar-date.js';

/** Flags that make a look from outside the responsible council a notice (the CP-IS pattern). */
export const NOTIFYING_FLAG_KINDS: readonly string[] = ['child_protection_plan', 'looked_after', 'unborn_child_protection_plan'];

export interface FlagFact {
  kind: string;
  responsibleCouncilId: string;
  startedOn: CalendarDate;
  endedOn: CalendarDate | null;
}

export interface LookFacts {
  /** The viewer's organisation (a user's or an agency system's). */
  viewerOrganisationId: string;
  /** The viewer when a person, so a lead professional is not told of their own look. */
  viewerUserId: string | null;
  today: CalendarDate;
  flags: readonly FlagFact[];
  /** Users behind the child's open lead-professional involvement. */
  leadProfessionalUserIds: readonly string[];
}

export interface LookRecipients {
  councilIds: string[];
  userIds: string[];
}

/** A flag is active on `today` when started_on ≤ today < ended_on (half-open; open-ended when null). */
export function isActiveFlag(flag: FlagFact, today: CalendarDate): boolean {
  return flag.startedOn <= today && (flag.endedOn === null || today < flag.endedOn);
}

/**
 * Does this look notify, and whom (SECURITY §1): each council responsible for an active child
 * protection plan, looked-after or unborn child protection plan flag is told through its duty
 * inbox when someone outside that council looks, and so is the lead professional. A look by the
 * responsible council itself, or at a child with no such active flag, notifies nobody.
 */
export function whomToNotifyOfLook(facts: LookFacts): LookRecipients {
  const councilIds = new Set<string>();
  for (const flag of facts.flags) {
    if (!NOTIFYING_FLAG_KINDS.includes(flag.kind) || !isActiveFlag(flag, facts.today)) continue;
    if (flag.responsibleCouncilId === facts.viewerOrganisationId) continue;
    councilIds.add(flag.responsibleCouncilId);
  }
  if (councilIds.size === 0) return { councilIds: [], userIds: [] };
  const userIds = [...new Set(facts.leadProfessionalUserIds)].filter((id) => id !== facts.viewerUserId);
  return { councilIds: [...councilIds], userIds };
}
