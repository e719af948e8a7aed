import { describe, expect, it } from 'vitest';

import { CommitPipeline } from './commit-pipeline.js';

/** A sink whose commits wait until the test acknowledges them, one by one. */
function slowSink() {
  const sent: string[] = [];
  const waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    sent,
    ack: async (): Promise<void> => {
      waiting.shift()?.resolve();
      await new Promise((r) => setImmediate(r));
    },
    fail: async (e: Error): Promise<void> => {
      waiting.shift()?.reject(e);
      await new Promise((r) => setImmediate(r));
    },
    sink: {
      active: () => true,
      commit: (next: string) => {
        sent.push(next);
        return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
      },
    },
  };
}

describe('CommitPipeline', () => {
  it('returns at once, keeps one commit on the wire and collapses the asks meanwhile', async () => {
    const s = slowSink();
    const c = new CommitPipeline(s.sink);
    await c.commit('4');
    await c.commit('8');
    await c.commit('12');
    expect(s.sent).toEqual(['4']);
    await s.ack();
    expect(s.sent).toEqual(['4', '12']);
    let flushed = false;
    const f = c.flush().then(() => (flushed = true));
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    await s.ack();
    await f;
    expect(flushed).toBe(true);
    await c.commit('13');
    expect(s.sent).toEqual(['4', '12', '13']);
    await s.ack();
    await c.flush();
  });

  it('stops the partition after a failed commit: inactive, and commit and flush reject', async () => {
    const s = slowSink();
    const c = new CommitPipeline(s.sink);
    await c.commit('4');
    await c.commit('8');
    await s.fail(new Error('rebalance'));
    expect(c.active()).toBe(false);
    expect(s.sent).toEqual(['4']);
    await expect(c.commit('9')).rejects.toThrow('rebalance');
    await expect(c.flush()).rejects.toThrow('rebalance');
  });

  it('follows the inner sink being inactive', () => {
    let on = true;
    const c = new CommitPipeline({ active: () => on, commit: () => Promise.resolve() });
    expect(c.active()).toBe(true);
    on = false;
    expect(c.active()).toBe(false);
  });
});
