import { InvalidRuntimeException, LaminaError, type FunctionVersionConfig } from '@lamina/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { ProcessPool, type ProcessPoolOptions } from './process-pool.js';
import {
  ensureRuntimeBuilt,
  makeFn,
  makeInvocation,
  nodeCommand,
  parse,
  isAlive,
  quietLogger,
} from './test-support/fixtures.js';
import type { WorkerLogger } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProcessPool', { timeout: 20_000 }, () => {
  const pools: ProcessPool[] = [];
  const warnings: string[] = [];
  const lines: string[] = [];
  const logger: WorkerLogger = {
    ...quietLogger,
    warn: (_o, msg) => warnings.push(msg ?? ''),
  };

  function pool(options: Partial<ProcessPoolOptions> = {}): ProcessPool {
    const p = new ProcessPool({
      logger,
      runtimes: { 'nodejs22.x': { command: nodeCommand } },
      onLog: (fn, line) => lines.push(`${fn}: ${line}`),
      ...options,
    });
    pools.push(p);
    return p;
  }

  const call = (p: ProcessPool, fn: FunctionVersionConfig, payload: unknown = {}) =>
    p.invoke(fn, makeInvocation(payload));

  beforeAll(() => {
    ensureRuntimeBuilt();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    warnings.length = 0;
    lines.length = 0;
  });

  it('reuses the warm environment of the same function, version and code', async () => {
    const p = pool();
    const fn = makeFn({ handler: 'state.handler' });
    const first = await call(p, fn);
    const second = await call(p, fn);
    expect(first.coldStart).toBe(true);
    expect(second.coldStart).toBe(false);
    expect(parse(second.payload)).toMatchObject({ count: 2 });
    expect(p.size).toBe(1);
    const other = await call(p, { ...fn, codeSha256: 'other' });
    expect(other.coldStart).toBe(true);
    expect(p.size).toBe(2);
  });

  it('gives concurrent cold starts their own environments and counts busy ones', async () => {
    const p = pool();
    const fn = makeFn({ handler: 'sleep.handler' });
    const calls = [call(p, fn, { ms: 300 }), call(p, fn, { ms: 300 })];
    await sleep(150);
    expect(p.busy().get(fn.name)).toBe(2);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.coldStart)).toEqual([true, true]);
    expect(p.busy().size).toBe(0);
    expect(p.size).toBe(2);
    expect((await call(p, fn, { ms: 1 })).coldStart).toBe(false);
  });

  it('replaces an environment after a timeout: the next call cold-starts', async () => {
    const p = pool();
    const fn = makeFn({ handler: 'sleep.handler', timeout: 1 });
    const timedOut = await call(p, fn, { ms: 3000 });
    expect(timedOut.errorType).toBe('Sandbox.Timedout');
    const next = await call(p, fn, { ms: 1 });
    expect(next.coldStart).toBe(true);
    expect(next.functionError).toBeUndefined();
    expect(p.size).toBe(1);
  });

  it('retries on a fresh environment when an idle runtime died before taking the call', async () => {
    const p = pool();
    const fn = makeFn({ handler: 'reject.handler' });
    // The runtime posts the rejection, then exits: the next call must not see that exit.
    const first = await call(p, fn);
    const second = await call(p, fn);
    expect(first.errorType).toBe('Runtime.UnhandledPromiseRejection');
    expect(second.errorType).toBe('Runtime.UnhandledPromiseRejection');
    expect(second.coldStart).toBe(true);
  });

  it('evict() stops idle environments of that function only', async () => {
    const p = pool();
    const a = makeFn({ handler: 'context.handler' });
    const b = makeFn({ handler: 'context.handler' });
    await call(p, a);
    await call(p, b);
    expect(p.size).toBe(2);
    await p.evict(a.name);
    expect(p.size).toBe(1);
    expect((await call(p, a)).coldStart).toBe(true);
    expect((await call(p, b)).coldStart).toBe(false);
  });

  it('evict() with a version leaves the other versions warm', async () => {
    const p = pool();
    const latest = makeFn({ handler: 'context.handler' });
    const v1 = { ...latest, version: '1' };
    await call(p, latest);
    await call(p, v1);
    await p.evict(latest.name, '$LATEST');
    expect(p.size).toBe(1);
    expect((await call(p, v1)).coldStart).toBe(false);
    expect((await call(p, latest)).coldStart).toBe(true);
  });

  it('evict() retires a busy environment once its call ends', async () => {
    const p = pool();
    const fn = makeFn({ handler: 'sleep.handler' });
    const running = call(p, fn, { ms: 1000 });
    // The call's environment exists (however long a loaded machine took to start it).
    await eventually(() => p.size === 1);
    await p.evict(fn.name);
    expect((await running).payload.toString()).toBe('"awake"');
    await eventually(() => p.size === 0);
  });

  it('stops environments idle for longer than the TTL', async () => {
    let now = 1_000_000;
    const p = pool({ idleTtlMs: 100, clock: { now: () => now } });
    const fn = makeFn({ handler: 'state.handler' });
    const { pid } = parse((await call(p, fn)).payload) as { pid: number };
    await sleep(120);
    expect(p.size).toBe(1);
    now += 101;
    await eventually(() => p.size === 0);
    await eventually(() => !isAlive(pid));
  });

  it('close() kills every runtime, is idempotent, and refuses later calls', async () => {
    const p = pool();
    const fn = makeFn({ handler: 'state.handler' });
    const { pid } = parse((await call(p, fn)).payload) as { pid: number };
    const busy = call(p, fn, {});
    await Promise.all([p.close(), p.close()]);
    await busy.catch(() => undefined);
    await eventually(() => !isAlive(pid));
    expect(p.size).toBe(0);
    await expect(call(p, fn)).rejects.toMatchObject({ name: 'ServiceException', status: 500 });
  });

  it('throws InvalidRuntimeException (502) for a runtime it has no command for', async () => {
    const p = pool();
    const err: unknown = await call(p, makeFn({ runtime: 'python3.12' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRuntimeException);
    expect(err).toBeInstanceOf(LaminaError);
    expect(err).toMatchObject({ status: 502, name: 'InvalidRuntimeException' });
  });

  it('reports a Node.js major mismatch once in its log and in each function log', async () => {
    let probes = 0;
    const p = pool({
      runtimes: { 'nodejs20.x': { command: nodeCommand } },
      versionProbe: () => {
        probes++;
        return Promise.resolve('v22.23.3');
      },
    });
    const a = makeFn({ runtime: 'nodejs20.x' });
    const b = makeFn({ runtime: 'nodejs20.x' });
    expect((await call(p, a, { ok: 1 })).payload.toString()).toBe('{"ok":1}');
    await call(p, b);
    expect(probes).toBe(1);
    expect(warnings.filter((w) => w.includes('nodejs20.x'))).toHaveLength(1);
    const warning = /Runtime nodejs20\.x runs on Node\.js v22\.23\.3 .* not Node\.js 20/;
    expect(lines.filter((l) => l.startsWith(`${a.name}: WARNING`) && warning.test(l))).toHaveLength(
      1,
    );
    expect(lines.filter((l) => l.startsWith(`${b.name}: WARNING`))).toHaveLength(1);
  });

  it('says nothing when the configured binary matches the runtime', async () => {
    const p = pool({ versionProbe: () => Promise.resolve('v22.23.3') });
    await call(p, makeFn());
    expect(warnings).toEqual([]);
    expect(lines.some((l) => l.includes('WARNING'))).toBe(false);
  });
});
