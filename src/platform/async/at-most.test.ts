import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachAtMost } from './at-most.js';

describe('forEachAtMost', () => {
  it('starts items in order and never runs more than the limit at once', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await forEachAtMost(3, [1, 2, 3, 4, 5, 6, 7], async (n) => {
      started.push(n);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 8 - n));
      running -= 1;
    });
    assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(most, 3);
  });

  it('rejects with the first failure once the started items have settled, and starts no more', async () => {
    const done: number[] = [];
    await assert.rejects(forEachAtMost(2, [1, 2, 3, 4, 5], async (n) => {
      if (n === 2) throw new Error('row 2 failed');
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(n);
    }), /row 2 failed/);
    assert.deepEqual(done, [1]);
  });
});
