import type { ChildIdentity, Sex } from '../children/child-identity.js';
import type { MatchRecord, RawPerson } from './match-record.js';
import { normaliseRecord } from './record.normalise.js';

/**
 * A child as the matcher sees it: the identity a service holds after opening it (or the one the
 * record validator produced from a feed), in the same normalised form the batch evaluator scores.
 * One adapter, so the online matcher, the dedupe scan and the trainer compare children the same way.
 * The result holds clear identity values: keep it in memory, never log it.
 */
export function childMatchRecord(identity: ChildIdentity, sex: Sex, index = 0): MatchRecord {
  return normaliseRecord(childRawPerson(identity, sex), index, 0, 'YYYY-MM-DD');
}

/** The child's identity as the matcher's raw fields (unknown and indeterminate sex are no evidence). */
export function childRawPerson(identity: ChildIdentity, sex: Sex): RawPerson {
  const raw: RawPerson = { family_name: identity.familyName, dob: identity.dateOfBirth };
  if (identity.givenNames) raw.given_name = identity.givenNames;
  if (identity.formerFamilyNames.length > 0) raw.former_family_names = identity.formerFamilyNames.join(';');
  if (sex === 'male' || sex === 'female') raw.sex = sex;
  if (identity.nhsNumber) raw.identifier = identity.nhsNumber;
  if (identity.address.kind === 'known') {
    raw.postcode = identity.address.postcode;
    raw.address = identity.address.lines.join(' ');
    raw.town = identity.address.town;
  }
  return raw;
}
