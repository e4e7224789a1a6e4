import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/test-database.js';
import { precompiled } from './precompiled.js';
import { PREPARED } from './prepared.js';

describe('a statement compiled once (precompiled) and prepared by name (PREPARED)', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase({ poolSize: 2 });
  });
  after(() => database.drop());

  test('each call runs with its own values, wherever a value appears and among constant parameters', async () => {
    let built = 0;
    const query = precompiled((db, a: number, b: string) => {
      built += 1;
      return db.selectNoFrom([sql<number>`${a}::integer`.as('a'), sql<string>`${b}::text || ${'-'}::text || ${b}::text`.as('b'), sql<number>`${a}::integer * ${7}::integer`.as('times')]).modifyFront(PREPARED);
    });
    const { db } = database;
    const runs = await Promise.all([query(db, 1, 'x'), query(db, 2, 'y'), query(db, 3, 'z'), query(db, 1, 'x')]);
    assert.deepEqual(runs.map((r) => r.rows[0]), [{ a: 1, b: 'x-x', times: 7 }, { a: 2, b: 'y-y', times: 14 }, { a: 3, b: 'z-z', times: 21 }, { a: 1, b: 'x-x', times: 7 }]);
    assert.equal(built, 1);
    // Inside a transaction too.
    const inTx = await db.transaction().execute((tx) => query(tx, 4, 'w'));
    assert.deepEqual(inTx.rows[0], { a: 4, b: 'w-w', times: 28 });
  });

  test('a value that is null or a Buffer goes through as it is', async () => {
    const query = precompiled((db, value: Buffer | null) => db.selectNoFrom(sql<string | null>`encode(${value}::bytea, 'hex')`.as('hex')));
    assert.deepEqual((await query(database.db, Buffer.from([1, 255]))).rows[0], { hex: '01ff' });
    assert.deepEqual((await query(database.db, null)).rows[0], { hex: null });
  });
});
