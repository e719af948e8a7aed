/** Pre-warmed generic Node.js runtimes specialised on a cold call (ADR 0019), through ProcessPool. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FunctionVersionConfig } from '@lamina/core';
import { eventually } from '@lamina/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ProcessPool, type ProcessPoolOptions } from './process-pool.js';
import {
  bootstrapPath,
  ensureRuntimeBuilt,
  isAlive,
  makeFn,
  makeInvocation,
  nodeCommand,
  parse,
  quietLogger,
} from './test-support/fixtures.js';
import { startTimeConflict } from './start-time-variables.js';

interface ContextAnswer {
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  logStreamName: string;
  tmpdir: string;
  cwd: string;
  env: Record<string, string>;
}

/** A runtime that, started generic, takes its specialization and dies before confirming it. */
const crashingGeneric = path.join(tmpdir(), `lamina-crashing-generic-${String(process.pid)}.mjs`);

describe('pre-warmed generic environments', { timeout: 30_000 }, () => {
  const pools: ProcessPool[] = [];
  const logs: string[] = [];

  function pool(options: Partial<ProcessPoolOptions> = {}): ProcessPool {
    const p = new ProcessPool({
      logger: quietLogger,
      runtimes: { 'nodejs22.x': { command: nodeCommand, specializable: true } },
      onLog: (_fn, line) => logs.push(line),
      ...options,
    });
    pools.push(p);
    return p;
  }

  const ready = (p: ProcessPool, n = 1): Promise<void> =>
    eventually(() => p.warm.readyCount('nodejs22.x') === n, {
      what: 'a ready generic runtime',
    }).then(() => undefined);

  const call = async (p: ProcessPool, fn: FunctionVersionConfig) => {
    const r = await p.invoke(fn, makeInvocation({}, { tailLog: true }));
    return { result: r, answer: parse(r.payload) as ContextAnswer };
  };

  beforeAll(() => {
    ensureRuntimeBuilt();
    writeFileSync(
      crashingGeneric,
      `const api = process.env.AWS_LAMBDA_RUNTIME_API;
if (process.env.LAMINA_GENERIC_ENVIRONMENT === '1') {
  await fetch('http://' + api + '/2018-06-01/runtime/lamina/specialization');
  process.exit(3);
}
await import(${JSON.stringify(bootstrapPath)});
`,
    );
  }, 60_000);

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    logs.length = 0;
  });

  it('specialises a generic runtime: the handler sees exactly what a fresh runtime sees', async () => {
    const fn = makeFn({ handler: 'context.handler', environment: { MY_VAR: 'mine' } });
    const warm = pool();
    await ready(warm);
    const genericPid = warmPid(warm);
    const special = await call(warm, fn);
    const fresh = await call(pool({ runtimes: { 'nodejs22.x': { command: nodeCommand } } }), {
      ...fn,
    });

    expect(special.result.coldStart).toBe(true);
    expect(special.result.initDurationMs).toBeGreaterThan(0);
    expect(special.result.log).toMatch(/Init Duration: [\d.]+ ms/);
    expect(genericPid).toBeDefined();
    const strip = (a: ContextAnswer) => ({
      ...a,
      logStreamName: undefined,
      tmpdir: undefined,
      remaining: undefined,
      awsRequestId: undefined,
      env: {
        ...a.env,
        AWS_LAMBDA_LOG_STREAM_NAME: undefined,
        AWS_LAMBDA_RUNTIME_API: undefined,
        TMPDIR: undefined,
        _X_AMZN_TRACE_ID: undefined,
      },
    });
    expect(strip(special.answer)).toEqual(strip(fresh.answer));
    expect(Object.keys(special.answer.env)).toEqual(Object.keys(fresh.answer.env));
    expect(special.answer.env['MY_VAR']).toBe('mine');
    expect(special.answer.env['LAMBDA_TASK_ROOT']).toBe(fn.codeDir);
    expect(special.answer.cwd).toBe(fn.codeDir);
    expect(special.answer.env['AWS_LAMBDA_FUNCTION_NAME']).toBe(fn.name);
    expect(special.answer.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']).toBe('256');
    expect(special.answer.env['LAMINA_GENERIC_ENVIRONMENT']).toBeUndefined();
    expect(special.answer.tmpdir).toBe(special.answer.env['TMPDIR']);
    expect(special.answer.logStreamName).toBe(special.answer.env['AWS_LAMBDA_LOG_STREAM_NAME']);
  });

  it('gives two functions two different environments and refills the pool', async () => {
    const p = pool();
    await ready(p);
    const a = makeFn({ handler: 'context.handler', environment: { MY_VAR: 'a' } });
    const b = makeFn({ handler: 'context.handler', environment: { MY_VAR: 'b' } });
    const first = await call(p, a);
    await ready(p);
    const second = await call(p, b);
    expect(first.answer.functionName).toBe(a.name);
    expect(second.answer.functionName).toBe(b.name);
    expect(first.answer.env['MY_VAR']).toBe('a');
    expect(second.answer.env['MY_VAR']).toBe('b');
    expect(first.answer.tmpdir).not.toBe(second.answer.tmpdir);
    expect(p.size).toBe(2);
    await ready(p);
    expect(p.warm.sizes()).toEqual({ 'nodejs22.x': 1 });
    // A warm call stays on its environment.
    expect((await call(p, a)).result.coldStart).toBe(false);
  });

  it('replaces a generic runtime that died while waiting', async () => {
    const p = pool();
    await ready(p);
    const first = warmPid(p);
    expect(first).toBeDefined();
    if (first !== undefined) process.kill(first, 'SIGKILL');
    await eventually(() => p.warm.readyCount('nodejs22.x') === 1 && warmPid(p) !== first, {
      what: 'a replacement generic runtime',
    });
    const { answer } = await call(p, makeFn({ handler: 'context.handler' }));
    expect(answer.cwd).toBe(makeFn().codeDir);
  });

  it('takes a generic runtime still booting rather than spawning another', async () => {
    const p = pool({
      runtimes: { 'nodejs22.x': { command: nodeCommand, specializable: true, warmPool: 1 } },
    });
    await eventually(() => p.warm.pids('nodejs22.x').length === 1);
    const booting = warmPid(p);
    const { result } = await call(p, makeFn({ handler: 'context.handler' }));
    expect(result.coldStart).toBe(true);
    expect(booting !== undefined && isAlive(booting)).toBe(true);
    expect(p.size).toBe(1);
    expect(warmPid(p)).not.toBe(booting);
  });

  it('keeps no generic runtime when the pool size is 0, and cold calls spawn as before', async () => {
    const p = pool({
      runtimes: { 'nodejs22.x': { command: nodeCommand, specializable: true, warmPool: 0 } },
    });
    expect(p.warm.sizes()).toEqual({});
    const { result, answer } = await call(p, makeFn({ handler: 'context.handler' }));
    expect(result.coldStart).toBe(true);
    expect(answer.env['LAMINA_GENERIC_ENVIRONMENT']).toBeUndefined();
    expect(p.warm.sizes()).toEqual({});
  });

  it('does not pre-warm a runtime that is not specializable', () => {
    const p = pool({ runtimes: { 'nodejs22.x': { command: nodeCommand, warmPool: 2 } } });
    expect(p.warm.sizes()).toEqual({});
  });

  it('cleans up a failed specialisation and runs the call on a fresh environment', async () => {
    const p = pool({
      runtimes: {
        'nodejs22.x': { command: [process.execPath, crashingGeneric], specializable: true },
      },
    });
    await ready(p);
    const genericPid = warmPid(p);
    const fn = makeFn({ handler: 'context.handler', environment: { MY_VAR: 'x' } });
    const { result, answer } = await call(p, fn);
    expect(result.functionError).toBeUndefined();
    expect(answer.env['MY_VAR']).toBe('x');
    expect(answer.env['LAMINA_GENERIC_ENVIRONMENT']).toBeUndefined();
    expect(p.size).toBe(1);
    expect(genericPid).toBeDefined();
    await eventually(() => genericPid !== undefined && !isAlive(genericPid));
  });

  it('starts fresh a function that sets a variable Node.js reads only at start', async () => {
    const p = pool();
    await ready(p);
    const fn = makeFn({
      handler: 'context.handler',
      environment: { NODE_OPTIONS: '--no-warnings', MY_VAR: 'y' },
    });
    const { answer } = await call(p, fn);
    expect(answer.env['MY_VAR']).toBe('y');
    expect(startTimeConflict({}, fn.environment)).toBe('NODE_OPTIONS');
    expect(startTimeConflict({}, { MY_VAR: '1', TZ: 'x' })).toBeUndefined();
  });
});

/** The pid of the pool's one generic runtime. */
function warmPid(p: ProcessPool): number | undefined {
  return p.warm.pids('nodejs22.x')[0];
}
