import type { FunctionVersionConfig } from '@lamina/core';
import { eventually as waitFor } from '@lamina/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ProcessPool } from './process-pool.js';
import {
  ensureRuntimeBuilt,
  makeFn,
  makeInvocation,
  nodeCommand,
  parse,
  quietLogger,
} from './test-support/fixtures.js';

describe('ProcessPool provisioned concurrency', { timeout: 20_000 }, () => {
  const pools: ProcessPool[] = [];
  function pool(idleTtlMs?: number): ProcessPool {
    const p = new ProcessPool({
      logger: quietLogger,
      runtimes: { 'nodejs22.x': { command: nodeCommand } },
      ...(idleTtlMs === undefined ? {} : { idleTtlMs }),
    });
    pools.push(p);
    return p;
  }
  const eventually = (check: () => void) =>
    waitFor(
      () => {
        check();
        return true;
      },
      { timeoutMs: 10_000 },
    );
  const call = (p: ProcessPool, fn: FunctionVersionConfig) =>
    p.invoke(fn, makeInvocation({}, { tailLog: true }));

  beforeAll(() => {
    ensureRuntimeBuilt();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('initialises the environments before any call; their calls are not cold', async () => {
    const p = pool();
    const fn = makeFn({ version: '1', handler: 'context.handler' });
    p.provision(fn, 2);
    await eventually(() => {
      expect(p.provisioned(fn.name, '1')).toEqual({ ready: 2 });
    });
    expect(p.size).toBe(2);
    const [a, b] = await Promise.all([call(p, fn), call(p, fn)]);
    for (const r of [a, b]) {
      expect(r.coldStart).toBe(false);
      expect(r.log).not.toContain('Init Duration');
      expect(parse(r.payload)).toMatchObject({
        env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' },
      });
    }
    expect(p.size).toBe(2);
  });

  it('keeps provisioned environments past the idle TTL, and stops them when removed', async () => {
    const p = pool(40);
    const fn = makeFn({ version: '1' });
    p.provision(fn, 1);
    await eventually(() => {
      expect(p.provisioned(fn.name, '1').ready).toBe(1);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(p.size).toBe(1);
    p.provision(fn, 0);
    expect(p.provisioned(fn.name, '1')).toEqual({ ready: 0 });
    await eventually(() => {
      expect(p.size).toBe(0);
    });
    const onDemand = await call(p, fn);
    expect(onDemand.coldStart).toBe(true);
  });

  it('replaces a provisioned environment that is lost', async () => {
    const p = pool();
    const fn = makeFn({ version: '1', handler: 'exit.handler' });
    p.provision(fn, 1);
    await eventually(() => {
      expect(p.provisioned(fn.name, '1').ready).toBe(1);
    });
    await call(p, fn);
    await eventually(() => {
      expect(p.provisioned(fn.name, '1').ready).toBe(1);
      expect(p.size).toBe(1);
    });
  });

  it('marks a version whose init fails FUNCTION_ERROR_INIT_FAILURE, without retrying', async () => {
    const p = pool();
    const fn = makeFn({ version: '1', handler: 'toplevel.handler' });
    p.provision(fn, 2);
    await eventually(() => {
      expect(p.provisioned(fn.name, '1').failure).toBe('FUNCTION_ERROR_INIT_FAILURE');
    });
    await eventually(() => {
      expect(p.size).toBe(0);
    });
  });
});
