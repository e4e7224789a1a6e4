import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher } from './batcher.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A batcher whose `run` is held open until the test releases it, recording each call's inputs. */
function heldBatcher(options: { maxBatch?: number; maxInFlight?: number; fail?: (inputs: readonly number[]) => Error | null } = {}) {
  const calls: number[][] = [];
  const held: (() => void)[] = [];
  const batcher = new Batcher<number, string>({
    maxBatch: options.maxBatch ?? 10,
    maxInFlight: options.maxInFlight ?? 1,
    mayRunAlone: (error) => error instanceof RangeError,
    run: async (inputs) => {
      calls.push([...inputs]);
      await new Promise<void>((resolve) => held.push(resolve));
      const failure = options.fail?.(inputs);
      if (failure) throw failure;
      return inputs.map((n) => `answer ${n}`);
    },
  });
  const releaseAll = async () => {
    while (held.length > 0) {
      held.splice(0).forEach((release) => release());
      await tick();
    }
  };
  return { batcher, calls, releaseAll };
}

describe('Batcher', () => {
  it('runs a request at once when nothing is running, and those arriving meanwhile together next', async () => {
    const { batcher, calls, releaseAll } = heldBatcher();
    const first = batcher.run(1);
    assert.deepEqual(calls, [[1]]);
    const rest = [2, 3, 4].map((n) => batcher.run(n));
    assert.deepEqual(calls, [[1]], 'the others wait for the running batch');
    await releaseAll();
    assert.deepEqual(await Promise.all([first, ...rest]), ['answer 1', 'answer 2', 'answer 3', 'answer 4']);
    assert.deepEqual(calls, [[1], [2, 3, 4]]);
  });

  it('keeps batches to maxBatch and runs at most maxInFlight at once', async () => {
    const { batcher, calls, releaseAll } = heldBatcher({ maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((n) => batcher.run(n));
    assert.deepEqual(calls, [[1], [2]]);
    await releaseAll();
    assert.equal((await Promise.all(all)).length, 6);
    assert.deepEqual(calls, [[1], [2], [3, 4], [5, 6]]);
  });

  it('runs each input of a refused batch on its own, so one bad input fails only its own request', async () => {
    const { batcher, calls, releaseAll } = heldBatcher({ fail: (inputs) => (inputs.includes(3) ? new RangeError('value out of range') : null) });
    const first = batcher.run(1);
    const rest = [2, 3, 4].map((n) => batcher.run(n).catch((error: unknown) => (error as Error).message));
    await releaseAll();
    assert.equal(await first, 'answer 1');
    assert.deepEqual(await Promise.all(rest), ['answer 2', 'value out of range', 'answer 4']);
    assert.deepEqual(calls, [[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('fails the whole batch on an error that may have left it written, without running anything again', async () => {
    const { batcher, calls, releaseAll } = heldBatcher({ fail: (inputs) => (inputs.length > 1 ? new Error('connection lost') : null) });
    const first = batcher.run(1);
    const rest = [2, 3].map((n) => batcher.run(n).catch((error: unknown) => (error as Error).message));
    await releaseAll();
    assert.equal(await first, 'answer 1');
    assert.deepEqual(await Promise.all(rest), ['connection lost', 'connection lost']);
    assert.deepEqual(calls, [[1], [2, 3]]);
  });

  it('goes on serving after a failure', async () => {
    const { batcher, releaseAll } = heldBatcher({ fail: (inputs) => (inputs.includes(1) ? new Error('down') : null) });
    const failed = batcher.run(1).catch((error: unknown) => (error as Error).message);
    await releaseAll();
    assert.equal(await failed, 'down');
    const next = batcher.run(2);
    await releaseAll();
    assert.equal(await next, 'answer 2');
  });
});
