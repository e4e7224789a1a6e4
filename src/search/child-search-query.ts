/** What a practitioner searches with: an NHS number, or a family name and date of birth. */
export interface ChildSearchQuery {
  nhsNumber?: string | undefined;
  givenNames?: string | undefined;
  familyName?: string | undefined;
  dateOfBirth?: string | undefined;
}
