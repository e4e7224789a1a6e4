import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNT_ROLES } from '../accounts/roles.js';
import type { Viewer } from './viewer.js';
import { MATCH_REVIEW_ROLES, mayReviewMatches, mayReviewPair } from './match-review-access.js';

const COUNCIL = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

test('only MASH officers and council administrators review matches, and only pairs touching their own council', () => {
  for (const role of ACCOUNT_ROLES) {
    for (const organisationId of [COUNCIL, OTHER]) {
      const viewer: Viewer = { kind: 'user', userId: 'u', organisationId, role };
      const reviewer = MATCH_REVIEW_ROLES.has(role);
      assert.equal(mayReviewMatches(viewer).allow, reviewer, role);
      for (const councils of [[COUNCIL, COUNCIL], [COUNCIL, OTHER], [OTHER, OTHER], []]) {
        const expected = reviewer && councils.includes(organisationId);
        assert.equal(mayReviewPair(viewer, councils).allow, expected, `${role} of ${organisationId} for ${councils.join(',')}`);
      }
    }
  }
  assert.deepEqual([...MATCH_REVIEW_ROLES].sort(), ['council_administrator', 'mash_officer']);
});

test('agency systems never review matches', () => {
  const system: Viewer = { kind: 'api-client', clientId: 'c', organisationId: COUNCIL, sourceSystems: ['x'] };
  assert.equal(mayReviewMatches(system).allow, false);
  assert.equal(mayReviewPair(system, [COUNCIL]).allow, false);
});
