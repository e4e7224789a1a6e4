/**
 * Why a practitioner is searching. Every search states one (SECURITY.md §1); the code goes into
 * the audit so the child's council and a family's subject access report can see why people looked.
 */
export const SEARCH_REASONS = [
  { code: 'safeguarding_concern', text: 'A safeguarding concern about this child' },
  { code: 'referral_or_assessment', text: 'A referral or assessment I am working on' },
  { code: 'case_transfer', text: 'The child has moved into or out of my area' },
  { code: 'multi_agency_meeting', text: 'Preparing for a multi-agency meeting or strategy discussion' },
  { code: 'care_or_treatment', text: 'Health care or treatment I am giving the child' },
  { code: 'education', text: 'The child\'s education, attendance or welfare at school' },
  { code: 'other', text: 'Another reason (say what)' },
] as const;

export type SearchReasonCode = (typeof SEARCH_REASONS)[number]['code'];

export function isSearchReason(code: string): code is SearchReasonCode {
  return SEARCH_REASONS.some((r) => r.code === code);
}
