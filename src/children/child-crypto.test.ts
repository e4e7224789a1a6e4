import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { DecryptionError } from '../platform/crypto/aead.js';
import { Keyring } from '../platform/crypto/keyring.js';
import { ChildCrypto, CURRENT_KEY_VERSION } from './child-crypto.js';
import type { ChildIdentity } from './child-identity.js';

const identity: ChildIdentity = {
  givenNames: 'Zoë Mary-Jane',
  familyName: "O'Brien-Ćosić",
  formerFamilyNames: ['Smith', 'Jones'],
  dateOfBirth: '2015-03-07',
  address: { kind: 'known', lines: ['12 Hyde Park Road'], town: 'Leeds', postcode: 'LS6 2AB' },
  nhsNumber: '9990000018',
};

const v = CURRENT_KEY_VERSION;
/** Wrapping key version 1: the key derived from the root secret, as before rotation existed. */
const w = 1;

function sealedChild(crypto: ChildCrypto, value: ChildIdentity = identity) {
  const id = randomUUID();
  const dataKey = crypto.newDataKey();
  return { id, dataKey, wrapped: crypto.wrapDataKey(id, v, w, dataKey), sealed: crypto.sealIdentity(id, v, dataKey, value) };
}

test('a sealed identity opens to exactly what was sealed, through the wrapped data key', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const child = sealedChild(crypto);
  const dataKey = crypto.unwrapDataKey(child.id, v, w, child.wrapped);
  assert.deepEqual(crypto.openIdentity(child.id, v, dataKey, child.sealed), identity);
});

test('missing given names, former names and NHS number round-trip as absent', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const unborn: ChildIdentity = { ...identity, givenNames: null, formerFamilyNames: [], nhsNumber: null, address: { kind: 'no_known_address' } };
  const child = sealedChild(crypto, unborn);
  assert.equal(child.sealed.givenNames, null);
  assert.equal(child.sealed.nhsNumber, null);
  assert.deepEqual(crypto.openIdentity(child.id, v, child.dataKey, child.sealed), unborn);
});

test('no sealed field contains its clear text', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const { sealed } = sealedChild(crypto);
  const all = Buffer.concat(Object.values(sealed).filter((b): b is Buffer => b !== null)).toString('latin1');
  for (const needle of ['Brien', 'Smith', '2015-03-07', 'LS6', '9990000018']) assert.ok(!all.includes(needle), needle);
});

test("a ciphertext copied onto another child fails to open, even if both shared a data key", () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const a = sealedChild(crypto);
  const b = sealedChild(crypto);
  assert.throws(() => crypto.openIdentity(b.id, v, b.dataKey, { ...b.sealed, familyName: a.sealed.familyName }), DecryptionError);
  // With the same key the additional data (child id) alone must refuse it.
  assert.throws(() => crypto.openIdentity(b.id, v, a.dataKey, a.sealed), DecryptionError);
});

test('a ciphertext moved into another field of the same child fails to open', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const child = sealedChild(crypto);
  assert.throws(() => crypto.openIdentity(child.id, v, child.dataKey, { ...child.sealed, givenNames: child.sealed.familyName }), DecryptionError);
});

test('a field sealed under one key version does not open as another', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const child = sealedChild(crypto);
  assert.throws(() => crypto.openIdentity(child.id, v + 1, child.dataKey, child.sealed), DecryptionError);
  assert.throws(() => crypto.unwrapDataKey(child.id, v + 1, w, child.wrapped), DecryptionError);
});

test("a wrapped data key copied to another child, or opened under another KEK, fails", () => {
  const keys = new Keyring(randomBytes(32));
  const crypto = new ChildCrypto(keys);
  const a = sealedChild(crypto);
  assert.throws(() => crypto.unwrapDataKey(randomUUID(), v, w, a.wrapped), DecryptionError);
  assert.throws(() => new ChildCrypto(new Keyring(randomBytes(32))).unwrapDataKey(a.id, v, w, a.wrapped), DecryptionError);
});

test('wrapping matches the keyring’s own sealFor, so either can open the other', () => {
  const keys = new Keyring(randomBytes(32));
  const crypto = new ChildCrypto(keys);
  const id = randomUUID();
  const dataKey = crypto.newDataKey();
  assert.deepEqual(keys.openFor('child-data-key', crypto.wrapDataKey(id, v, w, dataKey), `child:${id}:v${v}`), dataKey);
  assert.deepEqual(crypto.unwrapDataKey(id, v, w, keys.sealFor('child-data-key', dataKey, `child:${id}:v${v}`)), dataKey);
});

test('without the data key (crypto-shredded) nothing opens, not even with a guessed key', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const child = sealedChild(crypto);
  assert.throws(() => crypto.openIdentity(child.id, v, crypto.newDataKey(), child.sealed), DecryptionError);
});

test('bulk data keys are distinct 32-byte keys', () => {
  const crypto = new ChildCrypto(new Keyring(randomBytes(32)));
  const keys = crypto.newDataKeys(100);
  assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, 100);
  for (const key of keys) assert.equal(key.length, 32);
});
