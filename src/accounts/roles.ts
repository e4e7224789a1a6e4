/**
 * Account roles. A role says what kind of work the person does in Signpost; what they may see of
 * a child is decided by the access rule from role, organisation and relationships.
 */
export const ACCOUNT_ROLES = [
  'practitioner',
  'social_worker',
  'mash_officer',
  'information_governance_officer',
  'council_administrator',
] as const;

export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export function isAccountRole(value: string): value is AccountRole {
  return (ACCOUNT_ROLES as readonly string[]).includes(value);
}
