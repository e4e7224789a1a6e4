/** How the review pages word the matcher's comparison names, levels and item statuses. */
export const COMPARISON_WORDS: Readonly<Record<string, string>> = {
  prior: 'Starting point', given_name: 'First name', family_name: 'Last name', dob: 'Date of birth', sex: 'Sex', postcode: 'Postcode',
  address: 'Address', town: 'Town', email: 'Email', phone: 'Phone', identifier: 'NHS number', twins_rule: 'Twins rule', household_namesakes_rule: 'Same-home namesakes rule',
};

export const LEVEL_WORDS: Readonly<Record<string, string>> = {
  'two random records': 'any two records', exact: 'the same', missing: 'missing on one or both', different: 'different',
  known_variant: 'a known short form', swapped_with_family: 'swapped with the last name', swapped_with_given: 'swapped with the first name',
  former_surname: 'matches a former last name', shares_a_surname: 'shares one part of a double-barrelled name', metaphone: 'sounds the same',
  'jw_0.92': 'very similar spelling', 'jw_0.88': 'similar spelling', 'jw_0.7': 'somewhat similar spelling', matches_middle_name: 'matches a middle name',
  day_month_swapped: 'day and month swapped', transposed_digits: 'two digits swapped', one_digit: 'one digit different',
  within_1_month: 'within a month', within_1_year: 'within a year', same: 'the same', sector: 'same postcode sector',
  district: 'same postcode district', area: 'same postcode area', 'similar_0.8': 'very similar', 'similar_0.5': 'partly similar',
  'similar_0.25': 'slightly similar', similar: 'similar', two_digits: 'two digits different',
  implied_by_address: 'the same, counted with the address',
};

export const STATUS_WORDS: Readonly<Record<string, string>> = {
  open: 'Waiting', not_sure: 'Not sure', same_child: 'Same child (merged)', different_children: 'Different children',
};
