import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReason } from './search-reasons.js';

test('a stated reason reads as words, keeping what the practitioner wrote', () => {
  assert.equal(describeReason('safeguarding_concern'), 'A safeguarding concern about this child');
  assert.equal(describeReason('other: covering for a colleague'), 'Another reason: covering for a colleague');
  assert.equal(describeReason('case_transfer: moved from Bristol'), 'The child has moved into or out of my area: moved from Bristol');
  assert.equal(describeReason('shield set'), 'shield set', 'free text is shown as written');
  assert.equal(describeReason(null), 'None given');
});
