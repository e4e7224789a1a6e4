import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { whomToNotifyOfLook, type FlagFact, type LookFacts } from './look-notifications.js';

const LEEDS = 'council-leeds';
const BRISTOL = 'council-bristol';
const SCHOOL = 'school-1';
const cpPlan = (overrides: Partial<FlagFact> = {}): FlagFact => ({ kind: 'child_protection_plan', responsibleCouncilId: LEEDS, startedOn: '2026-01-01', endedOn: null, ...overrides });
const look = (overrides: Partial<LookFacts> = {}): LookFacts => ({
  viewerOrganisationId: SCHOOL, viewerUserId: 'viewer', today: '2026-11-30', flags: [cpPlan()], leadProfessionalUserIds: ['lead'], ...overrides,
});

describe('whomToNotifyOfLook', () => {
  test('a look from outside the responsible council at a child with an active plan notifies the council and the lead professional', () => {
    assert.deepEqual(whomToNotifyOfLook(look()), { councilIds: [LEEDS], userIds: ['lead'] });
  });

  test('each notifying kind counts; other flags do not', () => {
    for (const kind of ['child_protection_plan', 'looked_after', 'unborn_child_protection_plan']) {
      assert.deepEqual(whomToNotifyOfLook(look({ flags: [cpPlan({ kind })] })).councilIds, [LEEDS], kind);
    }
    assert.deepEqual(whomToNotifyOfLook(look({ flags: [cpPlan({ kind: 'child_in_need' })] })), { councilIds: [], userIds: [] });
  });

  test('the responsible council looking notifies nobody', () => {
    assert.deepEqual(whomToNotifyOfLook(look({ viewerOrganisationId: LEEDS })), { councilIds: [], userIds: [] });
  });

  test('a flag not yet started, ended, or ending today notifies nobody; one ending tomorrow does', () => {
    assert.deepEqual(whomToNotifyOfLook(look({ flags: [] })), { councilIds: [], userIds: [] });
    assert.deepEqual(whomToNotifyOfLook(look({ flags: [cpPlan({ startedOn: '2026-12-01' })] })).councilIds, []);
    assert.deepEqual(whomToNotifyOfLook(look({ flags: [cpPlan({ endedOn: '2026-11-01' })] })).councilIds, []);
    assert.deepEqual(whomToNotifyOfLook(look({ flags: [cpPlan({ endedOn: '2026-11-30' })] })).councilIds, []);
    assert.deepEqual(whomToNotifyOfLook(look({ flags: [cpPlan({ startedOn: '2026-11-30', endedOn: '2026-12-01' })] })).councilIds, [LEEDS]);
  });

  test('another council holding the plan is told when the current council looks; each council once', () => {
    const flags = [cpPlan({ responsibleCouncilId: BRISTOL }), cpPlan({ responsibleCouncilId: BRISTOL, kind: 'looked_after' }), cpPlan()];
    assert.deepEqual(whomToNotifyOfLook(look({ viewerOrganisationId: LEEDS, flags })), { councilIds: [BRISTOL], userIds: ['lead'] });
  });

  test('the lead professional is not told of their own look, and only once', () => {
    assert.deepEqual(whomToNotifyOfLook(look({ viewerUserId: 'lead', leadProfessionalUserIds: ['lead'] })), { councilIds: [LEEDS], userIds: [] });
    assert.deepEqual(whomToNotifyOfLook(look({ leadProfessionalUserIds: ['lead', 'lead'] })).userIds, ['lead']);
    assert.deepEqual(whomToNotifyOfLook(look({ viewerUserId: null, leadProfessionalUserIds: [] })), { councilIds: [LEEDS], userIds: [] });
  });
});
