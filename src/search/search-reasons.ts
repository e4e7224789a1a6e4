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

/**
 * A stated reason as people read it: the code's words, with what the practitioner wrote after it
 * ("other: covering for a colleague" → "Another reason: covering for a colleague"). Free text
 * that starts with no code is shown as written.
 */
export function describeReason(stored: string | null): string {
  if (stored === null || stored.trim() === '') return 'None given';
  const colon = stored.indexOf(':');
  const code = colon === -1 ? stored : stored.slice(0, colon);
  const detail = colon === -1 ? '' : stored.slice(colon + 1).trim();
  const known = SEARCH_REASONS.find((r) => r.code === code);
  if (!known) return stored;
  const words = code === 'other' ? 'Another reason' : known.text;
  return detail ? `${words}: ${detail}` : words;
}
