import { describe, expect, it } from 'vitest';

import { KeyedLock } from './keyed-lock.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('KeyedLock', () => {
  it('runs tasks of one key in call order, one at a time', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const first = lock.run('a', async () => {
      log.push('first start');
      await new Promise<void>((r) => (release = r));
      log.push('first end');
      return 1;
    });
    const second = lock.run('a', () => {
      log.push('second');
      return Promise.resolve(2);
    });
    await tick();
    expect(log).toEqual(['first start']);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });

  it('runs different keys concurrently', async () => {
    const lock = new KeyedLock();
    let release: () => void = () => undefined;
    const slow = lock.run('a', () => new Promise<void>((r) => (release = r)));
    expect(await lock.run('b', () => Promise.resolve('b'))).toBe('b');
    release();
    await slow;
  });

  it('a failure reaches only its caller and does not stop the next task; empty keys are dropped', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('a', () => Promise.reject(new Error('boom')));
    const next = lock.run('a', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
    await tick();
    expect(lock.size).toBe(0);
  });
});
