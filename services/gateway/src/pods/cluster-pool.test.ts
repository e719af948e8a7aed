import { randomUUID } from 'node:crypto';

import {
  type FunctionVersionConfig,
  type Invocation,
  LaminaError,
  ServiceException,
} from '@lamina/core';
import { afterEach, describe, expect, it } from 'vitest';

import { closedPort, FakeAgent } from '../test-support/fake-agents.js';
import { HttpAgentClient } from './agent-client.js';
import { ClusterPool, type ClusterPoolOptions } from './cluster-pool.js';
import { WorkerPodIndex } from './worker-pods.js';

// Real local HTTP servers play the worker agents; the pod index is fed directly.

const CURRENT = 'aa'.repeat(32);
const OLDER = 'bb'.repeat(32);
const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

const fnConfig = (o: Partial<FunctionVersionConfig> = {}): FunctionVersionConfig => ({
  name: 'hello',
  version: '$LATEST',
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  memorySize: 128,
  timeout: 3,
  ephemeralStorage: 512,
  environment: {},
  codeDir: '/code',
  codeSha256: hexToBase64(CURRENT),
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
  region: 'us-east-1',
  ...o,
});

const invocation = (payload = '{}'): Invocation => ({
  requestId: randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
  payload: Buffer.from(payload),
  tailLog: false,
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let agents: FakeAgent[] = [];
let pools: ClusterPool[] = [];

afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(agents.map((a) => a.close()));
  agents = [];
  pools = [];
});

async function start(...names: string[]): Promise<FakeAgent[]> {
  const started = await Promise.all(names.map((n) => FakeAgent.start(n)));
  agents.push(...started);
  return started;
}

function poolOn(index: WorkerPodIndex, o: Partial<ClusterPoolOptions> = {}): ClusterPool {
  const pool = new ClusterPool({
    pods: index,
    client: new HttpAgentClient({ maxResponseBytes: 1 << 20, connectTimeoutMs: 500 }),
    port: 1,
    coldStartWaitMs: 300,
    busyWaitMs: 300,
    busyRetryMs: 20,
    logger: silent,
    ...o,
  });
  pools.push(pool);
  return pool;
}

function indexOf(...pods: ReturnType<FakeAgent['pod']>[]): WorkerPodIndex {
  const index = new WorkerPodIndex();
  index.replaceAll(pods);
  return index;
}

const podOf = (payload: Buffer): string => (JSON.parse(payload.toString()) as { pod: string }).pod;

async function failure(p: Promise<unknown>): Promise<LaminaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LaminaError) return err;
    throw err;
  }
  throw new Error('expected the invocation to fail');
}

describe('ClusterPool', () => {
  it('runs an invocation on a ready pod of its version, with target and deadline', async () => {
    const [a] = await start('a');
    if (a === undefined) throw new Error('no agent');
    const other = await start('other-version');
    const pool = poolOn(indexOf(a.pod(), other[0]!.pod({ version: '1' })));
    const before = Date.now();
    const r = await pool.invoke(fnConfig(), invocation('{"x":1}'));
    expect(JSON.parse(r.payload.toString())).toEqual({ pod: 'a', payload: '{"x":1}' });
    expect(r.executedVersion).toBe('$LATEST');
    const [req] = a.requests;
    expect(req?.target).toEqual({ functionName: 'hello', version: '$LATEST' });
    // Absent a deadline, the function's timeout from now (3 s).
    expect(req?.invocation.deadlineMs).toBeGreaterThanOrEqual(before + 3000);
    expect(req?.invocation.deadlineMs).toBeLessThanOrEqual(Date.now() + 3000);
    expect(other[0]!.runs).toBe(0);
  });

  it("an image function's Tail comes from imageTail, given the pod and the call's start", async () => {
    const [a] = await start('a');
    const asked: { pod: string; sinceMs: number; log: string }[] = [];
    const pool = poolOn(indexOf(a!.pod()), {
      imageTail: (o) => {
        asked.push(o);
        return Promise.resolve(`${o.log}function line\n`);
      },
    });
    const image = fnConfig({ runtime: '', handler: '', image: { uri: 'fn:1' } });
    const before = Date.now();
    const tailed = await pool.invoke(image, { ...invocation(), tailLog: true });
    expect(tailed.log).toMatch(/function line\n$/);
    expect(asked).toEqual([
      { pod: a!.pod().name, sinceMs: expect.any(Number), log: expect.any(String) },
    ]);
    expect(asked[0]!.sinceMs).toBeGreaterThanOrEqual(before);
    // Not asked without Tail, nor for a zip function.
    await pool.invoke(image, invocation());
    await pool.invoke(fnConfig(), { ...invocation(), tailLog: true });
    expect(asked).toHaveLength(1);
  });

  it('prefers pods on the current code; older code serves while none runs it', async () => {
    const [oldPod, newPod] = await start('old', 'new');
    const index = indexOf(oldPod!.pod({ codeSha256Hex: OLDER }));
    const pool = poolOn(index);
    expect(podOf((await pool.invoke(fnConfig(), invocation())).payload)).toBe('old');
    index.set('new', newPod!.pod());
    for (let i = 0; i < 4; i += 1) {
      expect(podOf((await pool.invoke(fnConfig(), invocation())).payload)).toBe('new');
    }
    // An image function has no code hash: every pod of the version is current.
    const image = await pool.invoke(fnConfig({ codeSha256: '' }), invocation());
    expect(['old', 'new']).toContain(podOf(image.payload));
  });

  it('waits for a busy pod on the current code rather than run older code', async () => {
    const [oldPod, newPod] = await start('old', 'new');
    newPod!.behave = () => ({ kind: 'run', delayMs: 100 });
    const pool = poolOn(indexOf(oldPod!.pod({ codeSha256Hex: OLDER }), newPod!.pod()), {
      busyWaitMs: 2000,
    });
    const both = await Promise.all([
      pool.invoke(fnConfig(), invocation()),
      pool.invoke(fnConfig(), invocation()),
    ]);
    expect(both.map((r) => podOf(r.payload))).toEqual(['new', 'new']);
    expect(oldPod!.runs).toBe(0);
  });

  it("uses the configured port when the pod's spec names none", async () => {
    const [a] = await start('a');
    const pool = poolOn(indexOf(a!.pod({ port: undefined })), { port: a!.port });
    expect(podOf((await pool.invoke(fnConfig(), invocation())).payload)).toBe('a');
  });

  it('spreads invocations over free pods, one at a time per pod, waiting for a busy one', async () => {
    const [a, b] = await start('a', 'b');
    for (const agent of [a!, b!]) agent.behave = () => ({ kind: 'run', delayMs: 80 });
    const pool = poolOn(indexOf(a!.pod(), b!.pod()), { busyWaitMs: 2000 });
    const calls = Array.from({ length: 6 }, () => pool.invoke(fnConfig(), invocation()));
    await new Promise((r) => setTimeout(r, 30));
    expect(pool.busy().get('hello')).toBe(2);
    const results = await Promise.all(calls);
    expect(results.map((r) => podOf(r.payload)).sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect([a!.maxConcurrent, b!.maxConcurrent]).toEqual([1, 1]);
    expect([a!.busyRefusals, b!.busyRefusals]).toEqual([0, 0]);
    expect(pool.busy().size).toBe(0);
    // Keep-alive: one connection per pod for all of it.
    expect([a!.connections, b!.connections]).toEqual([1, 1]);
  });

  it('answers 429 when every pod stays busy past the busy wait', async () => {
    const [a] = await start('a');
    a!.behave = () => ({ kind: 'run', delayMs: 400 });
    const pool = poolOn(indexOf(a!.pod()), { busyWaitMs: 100 });
    const first = pool.invoke(fnConfig(), invocation());
    const err = await failure(pool.invoke(fnConfig(), invocation()));
    expect(err.name).toBe('TooManyRequestsException');
    expect(err.message).toMatch(/hello:\$LATEST stayed busy for 0\.1 s/);
    await first;
    expect(a!.runs).toBe(1);
  });

  it('waits for a first pod to become ready (cold start)', async () => {
    const [a] = await start('a');
    const index = new WorkerPodIndex();
    const pool = poolOn(index, { coldStartWaitMs: 2000 });
    const call = pool.invoke(fnConfig(), invocation());
    setTimeout(() => {
      index.set('a', a!.pod());
    }, 100);
    expect(podOf((await call).payload)).toBe('a');
  });

  it('reports a cold call as waiting once, then as running, and releases both (ADR 0017)', async () => {
    const [a] = await start('a');
    a!.behave = () => ({ kind: 'run', delayMs: 60 });
    const index = new WorkerPodIndex();
    const counts = { waiting: 0, running: 0, waits: 0 };
    const seen: string[] = [];
    const pool = poolOn(index, {
      coldStartWaitMs: 2000,
      demand: {
        wait: (fn) => {
          counts.waiting += 1;
          counts.waits += 1;
          seen.push(`${fn.name}:${fn.version}`);
          return () => (counts.waiting -= 1);
        },
        run: () => {
          counts.running += 1;
          return () => (counts.running -= 1);
        },
      },
    });
    const call = pool.invoke(fnConfig(), invocation());
    await new Promise((r) => setTimeout(r, 50));
    expect(counts).toEqual({ waiting: 1, running: 0, waits: 1 });
    index.set('a', a!.pod());
    await new Promise((r) => setTimeout(r, 30));
    expect(counts).toEqual({ waiting: 0, running: 1, waits: 1 });
    await call;
    expect(counts).toEqual({ waiting: 0, running: 0, waits: 1 });
    expect(seen).toEqual(['hello:$LATEST']);
    // A wait that ends in an error is released too.
    const failed = failure(pool.invoke(fnConfig({ version: '7' }), invocation()));
    await new Promise((r) => setTimeout(r, 20));
    expect(counts.waiting).toBe(1);
    await pool.close();
    await failed;
    expect(counts).toEqual({ waiting: 0, running: 0, waits: 2 });
  });

  it('fails with 502 ResourceNotReadyException when no pod is ready within the cold-start wait', async () => {
    const [v1] = await start('v1');
    const pool = poolOn(indexOf(v1!.pod({ version: '1' })), { coldStartWaitMs: 150 });
    const started = Date.now();
    const err = await failure(pool.invoke(fnConfig({ version: '2' }), invocation()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(err.name).toBe('ResourceNotReadyException');
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/hello:2: no ready worker pod within 0\.2 s/);
    expect(v1!.runs).toBe(0);
  });

  it('tries another pod when one refuses: busy (another gateway), draining, wrong target', async () => {
    const [busy, draining, wrong, good] = await start('a-busy', 'b-draining', 'c-wrong', 'd-good');
    busy!.behave = () => ({ kind: 'refuse', refusal: 'busy' });
    draining!.behave = () => ({ kind: 'refuse', refusal: 'draining' });
    wrong!.behave = () => ({ kind: 'refuse', refusal: 'wrong-target' });
    const pool = poolOn(indexOf(busy!.pod(), draining!.pod(), wrong!.pod(), good!.pod()));
    for (let i = 0; i < 4; i += 1) {
      expect(podOf((await pool.invoke(fnConfig(), invocation())).payload)).toBe('d-good');
    }
    expect(good!.runs).toBe(4);
    expect(busy!.runs + draining!.runs + wrong!.runs).toBe(0);
  });

  it('comes back to a pod another gateway had busy', async () => {
    const [a] = await start('a');
    let calls = 0;
    a!.behave = () => {
      calls += 1;
      return calls === 1 ? { kind: 'refuse', refusal: 'busy' } : { kind: 'run' };
    };
    const pool = poolOn(indexOf(a!.pod()), { busyWaitMs: 1000 });
    expect(podOf((await pool.invoke(fnConfig(), invocation())).payload)).toBe('a');
    expect(a!.runs).toBe(1);
    expect(calls).toBe(2);
  });

  it('skips a pod that refuses connections (the invocation did not run) and runs elsewhere', async () => {
    const [good] = await start('good');
    const dead = { ...good!.pod(), name: 'dead', port: await closedPort() };
    const pool = poolOn(indexOf(dead, good!.pod()));
    for (let i = 0; i < 3; i += 1) {
      expect(podOf((await pool.invoke(fnConfig(), invocation())).payload)).toBe('good');
    }
    expect(good!.runs).toBe(3);
  });

  it('never runs an invocation twice: a connection dropped after the request is a 500', async () => {
    const [a, b] = await start('a', 'b');
    a!.behave = () => ({ kind: 'drop' });
    b!.behave = () => ({ kind: 'drop' });
    const pool = poolOn(indexOf(a!.pod(), b!.pod()));
    const err = await failure(pool.invoke(fnConfig(), invocation()));
    expect(err).toBeInstanceOf(ServiceException);
    expect(err.status).toBe(500);
    expect(a!.runs + b!.runs).toBe(1);
  });

  it('never runs an invocation twice: an answer broken off midway is a 500', async () => {
    const [a, b] = await start('a', 'b');
    a!.behave = () => ({ kind: 'break-off' });
    b!.behave = () => ({ kind: 'break-off' });
    const pool = poolOn(indexOf(a!.pod(), b!.pod()));
    const err = await failure(pool.invoke(fnConfig(), invocation()));
    expect(err.name).toBe('ServiceException');
    expect(err.message).toMatch(/broke off/);
    expect(a!.runs + b!.runs).toBe(1);
  });

  it("passes the agent's platform errors on, without retrying", async () => {
    const [a, b] = await start('a', 'b');
    const refused = new LaminaError('InvalidRuntimeException', 'no such runtime');
    a!.behave = () => ({ kind: 'error', error: refused });
    b!.behave = () => ({ kind: 'error', error: refused });
    const pool = poolOn(indexOf(a!.pod(), b!.pod()));
    const err = await failure(pool.invoke(fnConfig(), invocation()));
    expect(err).toMatchObject({ name: 'InvalidRuntimeException', status: 502 });
    expect(err.message).toBe('no such runtime');
    expect(a!.runs + b!.runs).toBe(1);
  });

  it('times a call out at the deadline plus the margin', async () => {
    const [a] = await start('a');
    a!.behave = () => ({ kind: 'run', delayMs: 1000 });
    const pool = poolOn(indexOf(a!.pod()), { timeoutMarginMs: 50 });
    const err = await failure(
      pool.invoke(fnConfig(), { ...invocation(), deadlineMs: Date.now() + 100 }),
    );
    expect(err.name).toBe('ServiceException');
    expect(err.message).toMatch(/did not answer within/);
    expect(a!.runs).toBe(1);
  });

  it('close() fails waiting invocations, stops the pods and is idempotent', async () => {
    let stopped = 0;
    const pool = poolOn(new WorkerPodIndex(), {
      coldStartWaitMs: 10_000,
      stopPods: () => {
        stopped += 1;
        return Promise.resolve();
      },
    });
    const waiting = failure(pool.invoke(fnConfig(), invocation()));
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([pool.close(), pool.close()]);
    const err = await waiting;
    expect(err.message).toMatch(/shutting down/);
    expect(stopped).toBe(1);
    await expect(pool.evict('f')).resolves.toBeUndefined();
  });
});
