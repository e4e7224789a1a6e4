import type { ChildRecordView, ShieldSummary } from '../child-records/child-records.service.js';
import type { ChildAddress } from '../children/child-identity.js';
import type { RetentionStatus } from '../children/retention.js';
import type { CouncilContact } from '../involvements/signpost.js';
import type { FullSignpost, ShieldedSignpost } from './children.api.schemas.js';

/**
 * The JSON an agency system gets for a signpost look. Facts and identity are copied field by
 * field, so nothing reaches the wire just by being added to a domain type; the signpost parts are
 * already view types, and the response schema drops anything it does not list.
 */
export function fullSignpostBody(record: ChildRecordView, responsibleCouncil: CouncilContact): FullSignpost {
  const { child, signpost } = record;
  const { identity } = child;
  return {
    shielded: false,
    child: {
      id: child.id,
      recordTrigger: child.recordTrigger,
      triggerDate: child.triggerDate,
      sex: child.sex,
      unborn: child.unborn,
      responsibleCouncil,
    },
    identity: {
      givenNames: identity.givenNames,
      familyName: identity.familyName,
      formerFamilyNames: identity.formerFamilyNames,
      dateOfBirth: identity.dateOfBirth,
      nhsNumber: identity.nhsNumber,
      address: addressBody(identity.address),
      noKnownAddress: identity.address.kind === 'no_known_address',
      previousAddresses: (identity.previousAddresses ?? []).map((p) => ({ address: addressBody(p.address), from: p.from, to: p.to })),
      parentsCarers: (identity.parentsCarers ?? []).map((p) => ({
        name: p.name, relationship: p.relationship, hasParentalResponsibility: p.hasParentalResponsibility, phone: p.phone, email: p.email,
      })),
    },
    identifiers: record.identifiers.map((i) => ({ kind: i.kind, issuer: i.issuer, value: i.value, validFrom: i.validFrom, validTo: i.validTo })),
    retention: retentionBody(record.retention),
    signpost: {
      asOf: signpost.asOf,
      current: signpost.current,
      flags: signpost.flags,
      area: signpost.area,
      upcoming: signpost.upcoming,
      past: signpost.past,
    },
  };
}

/** DOMAIN §4: a shielded child shows name, sex, date of birth, reference and who to ask. Nothing else. */
export function shieldedSignpostBody(summary: ShieldSummary): ShieldedSignpost {
  return {
    shielded: true,
    childId: summary.childId,
    givenNames: summary.givenNames,
    familyName: summary.familyName,
    dateOfBirth: summary.dateOfBirth,
    sex: summary.sex,
    council: summary.council,
  };
}

function addressBody(address: ChildAddress) {
  return address.kind === 'known' ? { lines: address.lines, town: address.town, postcode: address.postcode } : null;
}

function retentionBody(status: RetentionStatus): FullSignpost['retention'] {
  const none = { removeOn: null, because: null, latestPossible: null, legalHoldReason: null };
  switch (status.kind) {
    case 'kept_while_open':
      return { ...none, kind: status.kind, latestPossible: status.latestPossible };
    case 'remove_on':
      return { ...none, kind: status.kind, removeOn: status.date, because: status.because };
    case 'legal_hold':
      return { ...none, kind: status.kind, legalHoldReason: status.reason };
  }
}
