import type { FunctionVersionConfig, Invocation, InvocationResult } from '@lamina/core';
import { describe, expect, it } from 'vitest';
import { makeFn, makeInvocation, quietLogger } from '../test-support/fixtures.js';
import { WorkerAgent, type FunctionLookup, type Refusal, type Slot } from './worker-agent.js';

const target = { functionName: 'hello', version: '3' };

/** A pool whose invocations end when the test says so. */
class FakePool {
  readonly calls: { fn: FunctionVersionConfig; invocation: Invocation }[] = [];
  private finishers: (() => void)[] = [];
  closed = false;

  invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult> {
    this.calls.push({ fn, invocation });
    return new Promise((resolve) =>
      this.finishers.push(() => {
        resolve({
          payload: invocation.payload,
          executedVersion: fn.version,
          coldStart: false,
          durationMs: 1,
        });
      }),
    );
  }

  finishAll(): void {
    for (const f of this.finishers.splice(0)) f();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function setup(lookup?: () => Promise<FunctionLookup>, now = { t: 1_000_000 }) {
  const pool = new FakePool();
  const fn = makeFn({ name: 'hello', version: '3', timeout: 5 });
  const agent = new WorkerAgent({
    target,
    pool,
    lookup: lookup ?? (() => Promise.resolve({ kind: 'ready', fn })),
    logger: quietLogger,
    clock: { now: () => now.t },
  });
  return { pool, agent, fn, now };
}

const slot = (claim: Slot | Refusal): Slot => {
  if ('refusal' in claim) throw new Error(`refused: ${claim.refusal}`);
  return claim;
};
const refusalOf = (claim: Slot | Refusal): string | undefined =>
  'refusal' in claim ? claim.refusal : undefined;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkerAgent', () => {
  it('runs one invocation at a time and refuses a second as busy', async () => {
    const { pool, agent } = setup();
    const first = slot(agent.claim(target)).run(makeInvocation({ n: 1 }));
    expect(refusalOf(agent.claim(target))).toBe('busy');
    await tick();
    pool.finishAll();
    expect((await first).payload.toString()).toBe('{"n":1}');
    expect(refusalOf(agent.claim(target))).toBeUndefined();
  });

  it('frees the slot when the request is released without running', () => {
    const { agent } = setup();
    slot(agent.claim(target)).release();
    expect(refusalOf(agent.claim(target))).toBeUndefined();
  });

  it('refuses another function or version', () => {
    const { agent } = setup();
    expect(refusalOf(agent.claim({ functionName: 'hello', version: '4' }))).toBe('wrong-target');
    expect(refusalOf(agent.claim({ functionName: 'other', version: '3' }))).toBe('wrong-target');
  });

  it('caps the caller deadline at its own timeout', async () => {
    const { pool, agent, now } = setup();
    const far = slot(agent.claim(target)).run(makeInvocation({}, { deadlineMs: now.t + 60_000 }));
    await tick();
    expect(pool.calls[0]?.invocation.deadlineMs).toBe(now.t + 5000);
    pool.finishAll();
    await far;
    const none = slot(agent.claim(target)).run(makeInvocation({}));
    await tick();
    expect(pool.calls[1]?.invocation.deadlineMs).toBe(now.t + 5000);
    pool.finishAll();
    await none;
  });

  it('drains: not ready, refuses new work, resolves when the running one ends', async () => {
    const { pool, agent } = setup();
    const running = slot(agent.claim(target)).run(makeInvocation({}));
    await tick();
    let drained = false;
    const drain = agent.drain().then(() => (drained = true));
    expect(await agent.readiness()).toEqual({ ready: false, reason: 'draining' });
    expect(refusalOf(agent.claim(target))).toBe('draining');
    await tick();
    expect(drained).toBe(false);
    pool.finishAll();
    await running;
    await drain;
    expect(drained).toBe(true);
    await agent.close();
    expect(pool.closed).toBe(true);
  });

  it('is not ready without code, refuses with ResourceNotReadyException, looks again later', async () => {
    let lookups = 0;
    let present = false;
    const fn = makeFn({ name: 'hello', version: '3' });
    const { agent, now } = setup(() => {
      lookups++;
      return Promise.resolve(
        present
          ? { kind: 'ready', fn }
          : { kind: 'missing', reason: 'code abc is not in the store' },
      );
    });
    expect(await agent.readiness()).toEqual({
      ready: false,
      reason: 'code abc is not in the store',
    });
    await expect(slot(agent.claim(target)).run(makeInvocation({}))).rejects.toMatchObject({
      name: 'ResourceNotReadyException',
      message: expect.stringMatching(/code abc is not in the store/),
    });
    expect(lookups).toBe(1);
    present = true;
    now.t += 1500;
    expect(await agent.readiness()).toEqual({ ready: true, reason: 'ready' });
    await agent.readiness();
    expect(lookups).toBe(2);
  });

  it('logs a missing code as an error, but a first fetch still running only as information', async () => {
    const lines: { level: string; reason: unknown }[] = [];
    const at =
      (level: string) =>
      (obj: object): void => {
        lines.push({ level, reason: (obj as { reason?: unknown }).reason });
      };
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const answers: FunctionLookup[] = [
      { kind: 'missing', reason: 'fetching the code package', pending: true },
      { kind: 'missing', reason: 'code package not in place: 503' },
    ];
    const now = { t: 1_000_000 };
    const agent = new WorkerAgent({
      target,
      pool: new FakePool(),
      lookup: () => Promise.resolve(answers.shift() ?? answers[0]!),
      logger,
      clock: { now: () => now.t },
    });
    await agent.readiness();
    now.t += 1500;
    await agent.readiness();
    expect(lines).toEqual([
      { level: 'info', reason: 'fetching the code package' },
      { level: 'error', reason: 'code package not in place: 503' },
    ]);
  });

  it('recheck looks the code up at once, inside the recheck window of a miss', async () => {
    let present = false;
    let found = 0;
    const fn = makeFn({ name: 'hello', version: '3' });
    const pool = new FakePool();
    const agent = new WorkerAgent({
      target,
      pool,
      lookup: () =>
        Promise.resolve(present ? { kind: 'ready', fn } : { kind: 'missing', reason: 'fetching' }),
      logger: quietLogger,
      clock: { now: () => 1_000_000 },
      onFound: () => found++,
    });
    expect((await agent.readiness()).ready).toBe(false);
    present = true;
    // Same instant: a probe still sees the cached miss, the delivery's recheck does not.
    expect((await agent.readiness()).ready).toBe(false);
    expect(await agent.recheck()).toEqual({ ready: true, reason: 'ready' });
    expect(found).toBe(1);
  });
});
