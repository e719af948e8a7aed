import { describe, expect, it, vi } from 'vitest';

import { demandKeys, type RedisCommand } from './demand-keys.js';
import { DemandReporter } from './demand-reporter.js';
import { DemandTally } from './demand-tally.js';

const hello = { namespace: 'ns', functionName: 'hello', version: '$LATEST' };

function setup(o: { failSend?: boolean } = {}) {
  const keys = demandKeys('t');
  const tally = new DemandTally();
  const sent: RedisCommand[][] = [];
  const published: [string, string][] = [];
  const pending = new Map<number, () => void>();
  let next = 1;
  const errors: unknown[] = [];
  const reporter = new DemandReporter({
    tally,
    keys,
    reporterId: 'gw-1',
    send: (cmds) => {
      if (o.failSend === true) return Promise.reject(new Error('down'));
      sent.push(cmds);
      return Promise.resolve();
    },
    publish: (channel, message) => {
      published.push([channel, message]);
      return Promise.resolve();
    },
    onError: (err) => errors.push(err),
    now: () => 42,
    timers: {
      setTimeout: (fn) => {
        pending.set(next, fn);
        return next++;
      },
      clearTimeout: (h) => pending.delete(h as number),
    },
  });
  const fire = () => {
    const fns = [...pending.values()];
    pending.clear();
    for (const fn of fns) fn();
  };
  return { keys, tally, sent, published, pending, fire, errors, reporter };
}

describe('DemandReporter', () => {
  it('reports the tally every interval', async () => {
    const s = setup();
    s.reporter.start();
    const release = s.tally.run(hello);
    s.fire();
    await vi.waitFor(() => {
      expect(s.sent).toHaveLength(1);
    });
    expect(s.sent[0]).toContainEqual([
      'hset',
      't:v1:{demand}:r:gw-1',
      'ns/hello/$LATEST',
      '1 0 0 0',
    ]);
    await vi.waitFor(() => {
      expect(s.pending.size).toBe(1); // re-armed
    });
    release();
    s.fire();
    await vi.waitFor(() => {
      expect(s.sent).toHaveLength(2);
    });
    expect(s.sent[1]).toEqual([
      ['del', 't:v1:{demand}:r:gw-1'],
      ['zadd', 't:v1:{demand}:reporters', 42, 'gw-1'],
    ]);
  });

  it('a wake publishes the waiting count and reports at once', async () => {
    const s = setup();
    s.tally.wait(hello);
    s.tally.wait(hello);
    s.reporter.wake(hello);
    expect(s.published).toEqual([['t:v1:{demand}:wake', 'ns/hello/$LATEST 2']]);
    await vi.waitFor(() => {
      expect(s.sent).toHaveLength(1);
    });
    expect(s.sent[0]).toContainEqual([
      'hset',
      't:v1:{demand}:r:gw-1',
      'ns/hello/$LATEST',
      '0 2 0 0',
    ]);
  });

  it('stop sends a last, empty report once and stops the timer', async () => {
    const s = setup();
    s.reporter.start();
    s.tally.run(hello);
    await Promise.all([s.reporter.stop(), s.reporter.stop()]);
    expect(s.pending.size).toBe(0);
    expect(s.sent).toEqual([
      [
        ['del', 't:v1:{demand}:r:gw-1'],
        ['zadd', 't:v1:{demand}:reporters', 42, 'gw-1'],
      ],
    ]);
    s.reporter.wake(hello);
    await s.reporter.flush();
    expect(s.published).toEqual([]);
    expect(s.sent).toHaveLength(1);
  });

  it('hands send failures to onError and keeps reporting', async () => {
    const s = setup({ failSend: true });
    s.reporter.start();
    s.fire();
    await vi.waitFor(() => {
      expect(s.errors).toHaveLength(1);
    });
    await vi.waitFor(() => {
      expect(s.pending.size).toBe(1);
    });
  });
});
