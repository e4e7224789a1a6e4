/** The person fields the matcher understands; everything else in a feed is ignored. */
export const MAPPABLE_FIELDS = [
  'given_name',
  'middle_names',
  'family_name',
  'former_family_names',
  'full_name',
  'dob',
  'sex',
  'postcode',
  'address',
  'town',
  'email',
  'phone',
  'identifier',
] as const;

export type MappableField = (typeof MAPPABLE_FIELDS)[number];

/** One incoming record as text, field by field; a missing or empty field is absent. */
export type RawPerson = Partial<Record<MappableField, string>>;

/** A date of birth as written (8 digits, YYYYMMDD) plus, when it is a real date, its day number. */
export interface DateOfBirth {
  text: string;
  year: number;
  month: number;
  day: number;
  /** Days since 1970-01-01, or null when the written date does not exist (e.g. 31 February). */
  dayNumber: number | null;
}

/** A record normalised once so that comparing two records does no parsing. */
export interface MatchRecord {
  /** Position in the batch; the caller keeps its own identifiers. */
  index: number;
  /** 0 for the first (or only) file, 1 for the second file when linking two. */
  source: 0 | 1;
  given: string | null;
  middle: readonly string[];
  family: string | null;
  familyTokens: readonly string[];
  formerFamily: readonly string[];
  givenCodes: readonly string[];
  familyCodes: readonly string[];
  dob: DateOfBirth | null;
  sex: 'm' | 'f' | null;
  postcode: string | null;
  address: string | null;
  addressTokens: readonly string[];
  town: string | null;
  email: string | null;
  phone: string | null;
  identifier: string | null;
}
