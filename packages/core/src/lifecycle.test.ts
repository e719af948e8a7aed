import { describe, expect, it } from 'vitest';

import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('stops in reverse order, once, past failures', async () => {
    const order: string[] = [];
    const lc = new Lifecycle();
    lc.add({ name: 'redis', stop: () => void order.push('redis') });
    lc.add({
      name: 'pool',
      stop: () => {
        order.push('pool');
        throw new Error('boom');
      },
    });
    lc.add({ name: 'http', stop: () => void order.push('http') });
    const [a, b] = await Promise.all([lc.stop(), lc.stop()]);
    expect(order).toEqual(['http', 'pool', 'redis']);
    expect(a).toBe(b);
    expect(a).toHaveLength(1);
    expect(() => lc.add({ name: 'late', stop: () => undefined })).toThrow(/shutting down/);
  });
});
