import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { childRecordFromForm, dateFromParts, errorSummary, formErrorsFrom, reviewedMatchesFrom } from './child-form.js';

describe('the create form', () => {
  test('three date boxes make a date, or say what is wrong', () => {
    assert.deepEqual(dateFromParts('Date of birth', '4', '7', '2017'), { date: '2017-07-04' });
    assert.deepEqual(dateFromParts('Date of birth', '', ' ', ''), {});
    assert.equal(dateFromParts('Date of birth', '31', '2', '2015').error, 'Date of birth must be a real date');
    assert.equal(dateFromParts('Date of birth', 'x', '2', '2015').error, 'Date of birth must include a day, month and year in numbers');
    assert.equal(dateFromParts('Date of birth', '1', '2', '15').error, 'The year in date of birth must include 4 numbers');
  });

  test('an unreadable date never reaches the service as a date; an unborn child uses the expected date', () => {
    const { input, formErrors } = childRecordFromForm({ 'dob-day': '31', 'dob-month': '2', 'dob-year': '2015', 'trigger-day': '1', 'trigger-month': '9', 'trigger-year': '2026' });
    assert.equal(input.dateOfBirth, 'not-a-date');
    assert.equal(input.triggerDate, '2026-09-01');
    assert.deepEqual(Object.keys(formErrors), ['dateOfBirth']);
    const unborn = childRecordFromForm({ unborn: 'yes', 'dob-day': '1', 'dob-month': '1', 'dob-year': '2015', 'edd-day': '14', 'edd-month': '3', 'edd-year': '2027' });
    assert.equal(unborn.input.dateOfBirth, '2027-03-14');
    assert.equal(unborn.input.unborn, true);
  });

  test('no known address and no parent or carer are sent as such', () => {
    const { input } = childRecordFromForm({ noKnownAddress: 'yes', addressLine1: 'ignored', carerName: ' ' });
    assert.equal(input.noKnownAddress, true);
    assert.equal(input.address, null);
    assert.deepEqual(input.parentsCarers, []);
    const withCarer = childRecordFromForm({ carerName: 'Hannah', carerParentalResponsibility: 'yes', formerFamilyNames: 'Ives, , Smith' });
    assert.equal(withCarer.input.parentsCarers?.[0]?.hasParentalResponsibility, true);
    assert.deepEqual(withCarer.input.formerFamilyNames, ['Ives', 'Smith']);
  });

  test('the validator\'s field keys land on the inputs to fix, in page order', () => {
    const errors = formErrorsFrom({
      'parentsCarers.0.phone': 'Enter a phone number', 'address.postcode': 'Enter a full UK postcode', recordTrigger: 'Say why the record exists: one of …',
      triggerDate: 'Enter the date of the trigger as a real date in the form YYYY-MM-DD', dateOfBirth: 'Enter the expected date of delivery',
    }, true);
    assert.deepEqual(errors, {
      carerPhone: 'Enter a phone number', addressPostcode: 'Enter a full UK postcode', recordTrigger: 'Select why the record exists',
      triggerDate: 'Enter the date of the trigger as a real date', expectedDate: 'Enter the expected date of delivery',
    });
    assert.deepEqual(errorSummary(errors).map((e) => e.href), ['#expectedDate-day', '#addressPostcode', '#carerPhone', '#recordTrigger', '#triggerDate-day']);
  });

  test('only ids are taken from the "I have checked" box', () => {
    const a = randomUUID();
    const b = randomUUID();
    assert.deepEqual(reviewedMatchesFrom(`${a},${b}, nonsense,`), [a, b]);
    assert.deepEqual(reviewedMatchesFrom(undefined), []);
  });
});
