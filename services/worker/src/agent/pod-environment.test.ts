import type { FunctionVersionConfig, Invocation, InvocationResult } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import type { ExecutionEnvironment } from '../execution-environment.js';
import type { InitState } from '../init-state.js';
import { PodEnvironment } from './pod-environment.js';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const fn = { name: 'f', version: '1' } as FunctionVersionConfig;
const inv = { requestId: 'r' } as Invocation;

/** A fake environment: init ends as told; a call breaks it when `breaks`. */
class FakeEnv {
  static made: FakeEnv[] = [];
  started = false;
  stopped = false;
  used = false;
  calls = 0;
  constructor(
    private readonly init: InitState,
    private readonly breaks = false,
    /** A specialisation that fails: start() rejects. */
    readonly specializationFails = false,
  ) {
    FakeEnv.made.push(this);
  }
  get reusable(): boolean {
    return (
      this.started && !this.stopped && this.init.kind === 'ok' && !(this.breaks && this.calls > 0)
    );
  }
  start(): Promise<void> {
    this.started = true;
    if (this.specializationFails) {
      return Promise.reject(new Error('the generic runtime is not waiting for a specialization'));
    }
    return Promise.resolve();
  }
  awaitInit(): Promise<InitState> {
    if (this.init.kind === 'ok') this.used = true;
    return Promise.resolve(this.init);
  }
  invoke(): Promise<InvocationResult> {
    const cold = !this.used;
    this.used = true;
    this.calls++;
    const failed = this.init.kind !== 'ok';
    return Promise.resolve({
      payload: Buffer.from(failed ? '{"errorMessage":"init boom"}' : '"ok"'),
      executedVersion: '1',
      coldStart: cold,
      durationMs: 1,
      ...(failed ? { functionError: 'Unhandled' as const, errorType: 'Runtime.ExitError' } : {}),
    });
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

function podWith(
  inits: (() => FakeEnv)[],
  extra: Partial<ConstructorParameters<typeof PodEnvironment>[0]> = {},
): PodEnvironment {
  FakeEnv.made = [];
  return new PodEnvironment({
    ...extra,
    logger: quiet,
    specialized: (env) => (env as unknown as FakeEnv).specializationFails,
    executable: '/var/runtime/bootstrap',
    initTimeoutMs: 1000,
    baseDelayMs: 60_000,
    create: () => {
      const next = inits.shift();
      if (next === undefined) throw new Error('no more environments');
      return next() as unknown as ExecutionEnvironment;
    },
  });
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const ok: InitState = { kind: 'ok' };
const exited: InitState = { kind: 'exit', how: { code: 1 } };

describe('PodEnvironment', () => {
  it('initialises at start, is ready after init, and serves the first call warm', async () => {
    const pod = podWith([() => new FakeEnv(ok)]);
    expect(pod.readiness()).toEqual({ ready: true, reason: 'ready' });
    pod.warm(fn);
    expect(pod.readiness()).toEqual({ ready: false, reason: 'initialising the runtime' });
    await tick();
    expect(pod.readiness()).toEqual({ ready: true, reason: 'ready' });
    const first = await pod.invoke(fn, inv);
    expect(first.coldStart).toBe(false);
    expect(FakeEnv.made).toHaveLength(1);
    await pod.close();
    expect(FakeEnv.made[0]?.stopped).toBe(true);
  });

  it('an on-demand pod whose init failed stays ready, so a call gets the init error', async () => {
    let strays = 0;
    const pod = podWith([() => new FakeEnv(exited), () => new FakeEnv(exited)], {
      readyWhenFailed: true,
      afterStop: () => {
        strays++;
        return Promise.resolve();
      },
    });
    pod.warm(fn);
    await tick();
    expect(pod.readiness()).toMatchObject({
      ready: true,
      reason: expect.stringMatching(/^init failed: Runtime\.ExitError: .*exited/),
    });
    expect(strays).toBe(1);
    const failed = await pod.invoke(fn, inv);
    expect(failed).toMatchObject({ functionError: 'Unhandled', errorType: 'Runtime.ExitError' });
    expect(pod.readiness()).toEqual({
      ready: true,
      reason: 'init failed: Runtime.ExitError: init boom',
    });
    expect(strays).toBe(2);
    await pod.close();
  });

  it('a provisioned pod stays unready with the reason when init fails; a call re-runs init and reports its error', async () => {
    const pod = podWith([
      () => new FakeEnv(exited),
      () => new FakeEnv(exited),
      () => new FakeEnv(ok),
    ]);
    pod.warm(fn);
    await tick();
    expect(pod.readiness()).toMatchObject({
      ready: false,
      reason: expect.stringMatching(/^init failed: Runtime\.ExitError: .*exited/),
    });
    expect(FakeEnv.made[0]?.stopped).toBe(true);
    // A call that reaches it anyway: init runs again inside the call (cold), its error is the answer.
    const failed = await pod.invoke(fn, inv);
    expect(failed).toMatchObject({
      coldStart: true,
      functionError: 'Unhandled',
      errorType: 'Runtime.ExitError',
    });
    expect(pod.readiness()).toEqual({
      ready: false,
      reason: 'init failed: Runtime.ExitError: init boom',
    });
    // Next call: init succeeds inside it; the environment is kept and the pod is ready.
    const good = await pod.invoke(fn, inv);
    expect(good).toMatchObject({ coldStart: true, payload: Buffer.from('"ok"') });
    expect(pod.readiness()).toEqual({ ready: true, reason: 'ready' });
    expect(FakeEnv.made.filter((e) => !e.stopped)).toHaveLength(1);
    await pod.close();
  });

  it('replaces a broken warm environment on the next call, never two at once', async () => {
    const pod = podWith([() => new FakeEnv(ok, true), () => new FakeEnv(ok)]);
    pod.warm(fn);
    await tick();
    await pod.invoke(fn, inv);
    expect(FakeEnv.made[0]?.stopped).toBe(true);
    expect(pod.readiness().ready).toBe(true);
    const next = await pod.invoke(fn, inv);
    expect(next.coldStart).toBe(true);
    expect(FakeEnv.made.filter((e) => !e.stopped)).toHaveLength(1);
    await pod.close();
  });

  it('answers a broken call before its cleanup ends; the next call starts after the cleanup', async () => {
    let endCleanup: () => void = () => undefined;
    const cleanups: string[] = [];
    const pod = podWith([() => new FakeEnv(ok, true), () => new FakeEnv(ok)], {
      afterStop: () => {
        cleanups.push('started');
        return new Promise<void>((resolve) => {
          endCleanup = () => {
            cleanups.push('ended');
            resolve();
          };
        });
      },
    });
    pod.warm(fn);
    await tick();
    // The call that broke its environment (a timeout, a fork bomb) is answered at once.
    const broken = await pod.invoke(fn, inv);
    expect(broken.payload.toString()).toBe('"ok"');
    expect(cleanups).toEqual(['started']);
    const next = pod.invoke(fn, inv);
    await tick();
    expect(FakeEnv.made).toHaveLength(1);
    endCleanup();
    expect((await next).coldStart).toBe(true);
    expect(cleanups).toEqual(['started', 'ended']);
    expect(FakeEnv.made.filter((e) => !e.stopped)).toHaveLength(1);
    await pod.close();
  });

  it('a call during init waits for it and runs on that environment', async () => {
    const pod = podWith([() => new FakeEnv(ok)]);
    pod.warm(fn);
    const result = await pod.invoke(fn, inv);
    expect(result.payload.toString()).toBe('"ok"');
    expect(FakeEnv.made).toHaveLength(1);
    await pod.close();
  });

  it('runs a cold call on a fresh runtime when the parked one cannot be specialised', async () => {
    const pod = podWith([() => new FakeEnv(ok, false, true), () => new FakeEnv(ok)]);
    const result = await pod.invoke(fn, inv);
    expect(result).toMatchObject({ coldStart: true, payload: Buffer.from('"ok"') });
    expect(FakeEnv.made).toHaveLength(2);
    expect(FakeEnv.made[0]?.stopped).toBe(true);
    expect(pod.readiness().ready).toBe(true);
    await pod.close();
  });
});
