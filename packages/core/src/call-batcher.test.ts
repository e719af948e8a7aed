import { describe, expect, it } from 'vitest';

import { CallBatcher } from './call-batcher.js';

/** A send whose batches the test answers by hand. */
function manualSend() {
  const batches: { items: readonly number[]; answer: (err?: Error) => void }[] = [];
  const send = (items: readonly number[]): Promise<readonly string[]> =>
    new Promise((resolve, reject) => {
      batches.push({
        items,
        answer: (err) => {
          if (err === undefined) resolve(items.map((i) => `r${i}`));
          else reject(err);
        },
      });
    });
  return { batches, send };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CallBatcher', () => {
  it('sends the first calls at once and batches what arrives while they are out', async () => {
    const { batches, send } = manualSend();
    const b = new CallBatcher({ send, maxInFlight: 1 });
    const first = b.call(1);
    expect(batches.map((x) => x.items)).toEqual([[1]]);
    const rest = [b.call(2), b.call(3), b.call(4)];
    expect(batches).toHaveLength(1);
    batches[0]?.answer();
    await expect(first).resolves.toBe('r1');
    await tick();
    expect(batches.map((x) => x.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]?.answer();
    await expect(Promise.all(rest)).resolves.toEqual(['r2', 'r3', 'r4']);
    expect(b.pending).toBe(0);
  });

  it('caps a batch at maxBatch and keeps arrival order', async () => {
    const { batches, send } = manualSend();
    const b = new CallBatcher({ send, maxInFlight: 1, maxBatch: 2 });
    const calls = [1, 2, 3, 4, 5].map((i) => b.call(i));
    for (let i = 0; i < 3; i++) {
      batches[i]?.answer();
      await tick();
    }
    expect(batches.map((x) => x.items)).toEqual([[1], [2, 3], [4, 5]]);
    await expect(Promise.all(calls)).resolves.toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('rejects every call of a failed batch and only those', async () => {
    const { batches, send } = manualSend();
    const b = new CallBatcher({ send, maxInFlight: 1 });
    const first = b.call(1);
    const second = [b.call(2), b.call(3)];
    batches[0]?.answer(new Error('redis down'));
    await expect(first).rejects.toThrow('redis down');
    await tick();
    batches[1]?.answer();
    await expect(Promise.all(second)).resolves.toEqual(['r2', 'r3']);
  });

  it('rejects a call its batch answered no result for', async () => {
    const b = new CallBatcher<number, string>({ send: () => Promise.resolve([]) });
    await expect(b.call(1)).rejects.toThrow('answered 0 of 1');
  });
});
