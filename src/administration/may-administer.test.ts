import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayAdminister } from './may-administer.js';

const councilAdmin = { role: 'council_administrator', organisationId: 'council-a', organisationKind: 'council' };

test('a council administrator administers their own council and the organisations in its area', () => {
  assert.equal(mayAdminister(councilAdmin, { id: 'council-a', councilId: null }), true);
  assert.equal(mayAdminister(councilAdmin, { id: 'school-a', councilId: 'council-a' }), true);
});

test('never another council, nor the organisations in its area', () => {
  assert.equal(mayAdminister(councilAdmin, { id: 'council-b', councilId: null }), false);
  assert.equal(mayAdminister(councilAdmin, { id: 'school-b', councilId: 'council-b' }), false);
  assert.equal(mayAdminister(councilAdmin, { id: 'police', councilId: null }), false);
});

test('nobody but a council administrator administers anything, even in their own organisation', () => {
  for (const role of ['practitioner', 'social_worker', 'mash_officer', 'information_governance_officer', '']) {
    assert.equal(mayAdminister({ ...councilAdmin, role }, { id: 'council-a', councilId: null }), false, role);
    assert.equal(mayAdminister({ ...councilAdmin, role }, { id: 'school-a', councilId: 'council-a' }), false, role);
  }
});

test('an administrator outside a council administers only their own organisation', () => {
  const schoolAdmin = { role: 'council_administrator', organisationId: 'school-a', organisationKind: 'school' };
  assert.equal(mayAdminister(schoolAdmin, { id: 'school-a', councilId: 'council-a' }), true);
  assert.equal(mayAdminister(schoolAdmin, { id: 'school-a2', councilId: 'council-a' }), false);
  assert.equal(mayAdminister(schoolAdmin, { id: 'council-a', councilId: null }), false);
  // An organisation whose council is the school's id cannot widen it either.
  assert.equal(mayAdminister(schoolAdmin, { id: 'odd', councilId: 'school-a' }), false);
});
