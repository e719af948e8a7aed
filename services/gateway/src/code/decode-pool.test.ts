import { LaminaError } from '@lamina/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { DecodePool, registerDecodePoolMetrics } from './decode-pool.js';

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('DecodePool', () => {
  it('runs at most `size` jobs, queues `queue` more in order, refuses beyond with a Lambda 429', async () => {
    const pool = new DecodePool({ size: 2, queue: 1 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    const c = pool.acquire();
    expect(await settled(c)).toBe(false);
    expect(pool.stats()).toEqual({ running: 2, queued: 1, refused: 0 });
    const refused = await pool.acquire().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(LaminaError);
    const e = refused as LaminaError;
    expect(e.name).toBe('TooManyRequestsException');
    expect(e.status).toBe(429);
    expect(e.message).toBe('Rate exceeded');
    expect(e.fields).toEqual({ Reason: 'CallerRateLimitExceeded' });
    expect(e.headers).toEqual({ 'Retry-After': '1' });
    expect(pool.stats().refused).toBe(1);
    a();
    a(); // given back once only
    const third = await c;
    expect(pool.stats()).toEqual({ running: 2, queued: 0, refused: 1 });
    b();
    third();
    expect(pool.stats().running).toBe(0);
  });

  it('a waiter whose request ended leaves the queue and never gets a slot', async () => {
    const pool = new DecodePool({ size: 1, queue: 2 });
    const held = await pool.acquire();
    const gone = new AbortController();
    const first = pool.acquire(gone.signal);
    const second = pool.acquire();
    gone.abort(new Error('the client went away'));
    await expect(first).rejects.toThrow('the client went away');
    expect(pool.stats().queued).toBe(1);
    held();
    const next = await second;
    expect(pool.stats()).toEqual({ running: 1, queued: 0, refused: 0 });
    next();
  });

  it('run gives the slot back when the job fails; the metrics read the counts', async () => {
    const pool = new DecodePool({ size: 1, queue: 0 });
    await expect(pool.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(pool.stats().running).toBe(0);
    const registry = new Registry();
    registerDecodePoolMetrics(registry, pool);
    const held = await pool.acquire();
    await pool.acquire().catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toMatch(/^lamina_gateway_code_workers_running 1$/m);
    expect(text).toMatch(/^lamina_gateway_code_workers_queue_depth 0$/m);
    expect(text).toMatch(/^lamina_gateway_code_workers_refused_total 1$/m);
    held();
  });

  it('new bounds let waiting jobs run', async () => {
    const pool = new DecodePool({ size: 1, queue: 4 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    pool.configure({ size: 2, queue: 4 });
    const got = await waiting;
    expect(pool.stats().running).toBe(2);
    held();
    got();
  });
});
