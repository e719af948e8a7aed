import { randomUUID } from 'node:crypto';

import type { FunctionVersionConfig, SpecializationRequest } from '@lamina/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FakeAgent } from '../test-support/fake-agents.js';
import { HttpAgentClient } from './agent-client.js';
import { ClusterPool } from './cluster-pool.js';
import { GenericPodIndex, type GenericPod } from './generic-pods.js';
import type { SpecializeCall, SpecializeClient, SpecializeResult } from './specialize-client.js';
import { type ClaimOutcome, type Specialized, WarmPool } from './warm-pool.js';
import { WorkerPodIndex } from './worker-pods.js';

const HEX = 'aa'.repeat(32);
const fnConfig = (o: Partial<FunctionVersionConfig> = {}): FunctionVersionConfig => ({
  name: 'hello',
  version: '$LATEST',
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  memorySize: 128,
  timeout: 3,
  ephemeralStorage: 512,
  environment: { GREETING: 'hi' },
  codeDir: '/code',
  codeSha256: Buffer.from(HEX, 'hex').toString('base64'),
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
  region: 'us-east-1',
  ...o,
});
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const generic = (name: string, o: Partial<GenericPod> = {}): GenericPod => ({
  name,
  ip: '10.0.0.1',
  port: 8080,
  runtime: 'nodejs22.x',
  restarts: 0,
  ...o,
});

/** Answers per pod name; records every call. */
class FakeSpecializer implements SpecializeClient {
  readonly calls: SpecializeCall[] = [];
  constructor(private readonly answer: (ip: string, port: number) => SpecializeResult) {}
  specialize(call: SpecializeCall): Promise<SpecializeResult> {
    this.calls.push(call);
    return Promise.resolve(this.answer(call.ip, call.port));
  }
}

function setup(
  pods: GenericPod[],
  answer: (ip: string, port: number) => SpecializeResult,
  o: {
    specializable?: boolean;
    specialized?: { name: string; fn: string; version: string }[];
  } = {},
) {
  const generics = new GenericPodIndex();
  generics.replaceAll(pods);
  const client = new FakeSpecializer(answer);
  const relabelled: Specialized[] = [];
  const outcomes: ClaimOutcome[] = [];
  const removed: string[] = [];
  const pool = new WarmPool({
    generics,
    client,
    labeler: {
      relabel: (s) => {
        relabelled.push(s);
        return Promise.resolve();
      },
      remove: (name) => {
        removed.push(name);
        return Promise.resolve();
      },
    },
    specialized: {
      specializedOf: (fn, version) =>
        (o.specialized ?? [])
          .filter((p) => p.fn === fn && (version === undefined || p.version === version))
          .map((p) => p.name),
    },
    codeToken: (hex) => `token-of-${hex.slice(0, 4)}`,
    specializable: () => o.specializable ?? true,
    port: 8080,
    logger: silent,
    onClaim: (outcome) => outcomes.push(outcome),
  });
  return { pool, client, relabelled, outcomes, generics, removed };
}

describe('WarmPool', () => {
  it('specialises a generic pod of the runtime with the version, its variables and its code token', async () => {
    const { pool, client, relabelled, outcomes } = setup(
      [generic('g1'), generic('p1', { runtime: 'python3.12' })],
      () => ({ kind: 'answer', status: 200 }),
    );
    const pod = await pool.claim(fnConfig());
    expect(pod).toMatchObject({ name: 'g1', functionName: 'hello', specialized: true });
    expect(client.calls).toHaveLength(1);
    const request: SpecializationRequest | undefined = client.calls[0]?.request;
    expect(request).toMatchObject({
      functionName: 'hello',
      version: '$LATEST',
      runtime: 'nodejs22.x',
      environment: { GREETING: 'hi' },
      codeSha256Hex: HEX,
      codeToken: 'token-of-aaaa',
    });
    // Relabelled once the claiming call has its answer, not before.
    expect(relabelled).toEqual([]);
    pool.firstCallEnded('g1');
    pool.firstCallEnded('g1');
    expect(relabelled.map((r) => r.pod.name)).toEqual(['g1']);
    expect(outcomes).toEqual(['hit']);
  });

  it('relabels a claimed pod after relabelAfterMs even if its call has not ended', async () => {
    vi.useFakeTimers();
    try {
      const { pool, relabelled } = setup([generic('g1')], () => ({ kind: 'answer', status: 200 }));
      await pool.claim(fnConfig());
      expect(relabelled).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(relabelled.map((r) => r.pod.name)).toEqual(['g1']);
      pool.firstCallEnded('g1');
      expect(relabelled).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('moves on when another gateway claimed the pod, and never asks the same pod twice', async () => {
    const { pool, client, outcomes } = setup(
      [generic('g1', { ip: 'a' }), generic('g2', { ip: 'b' })],
      (ip) => (ip === 'a' ? { kind: 'answer', status: 409 } : { kind: 'answer', status: 200 }),
    );
    expect((await pool.claim(fnConfig()))?.name).toBe('g2');
    // Both were tried once; a second cold call finds nothing left to try.
    expect(await pool.claim(fnConfig())).toBeUndefined();
    expect(client.calls.map((c) => c.ip)).toEqual(['a', 'b']);
    expect(outcomes).toEqual(['hit', 'miss']);
  });

  it('gives up at a failed specialisation (the code would fail everywhere)', async () => {
    const { pool, client, outcomes } = setup([generic('g1'), generic('g2')], () => ({
      kind: 'answer',
      status: 502,
      message: 'answered 403',
    }));
    expect(await pool.claim(fnConfig())).toBeUndefined();
    expect(client.calls).toHaveLength(1);
    expect(outcomes).toEqual(['failed']);
  });

  it('leaves out image functions, other runtimes, larger /tmp and versions it cannot specialise', async () => {
    const { pool, client } = setup([generic('g1')], () => ({ kind: 'answer', status: 200 }));
    expect(await pool.claim(fnConfig({ codeSha256: '' }))).toBeUndefined();
    expect(await pool.claim(fnConfig({ runtime: 'java21' }))).toBeUndefined();
    // A generic pod's /tmp is Lambda's default 512 MB: a larger EphemeralStorage waits.
    expect(await pool.claim(fnConfig({ ephemeralStorage: 1024 }))).toBeUndefined();
    const small = setup([generic('g1', { memoryMb: 256 })], () => ({
      kind: 'answer',
      status: 200,
    }));
    expect(await small.pool.claim(fnConfig({ memorySize: 512 }))).toBeUndefined();
    expect((await small.pool.claim(fnConfig({ memorySize: 256 })))?.name).toBe('g1');
    expect(client.calls).toHaveLength(0);
    const secretVars = setup([generic('g1')], () => ({ kind: 'answer', status: 200 }), {
      specializable: false,
    });
    expect(await secretVars.pool.claim(fnConfig())).toBeUndefined();
    expect(secretVars.client.calls).toHaveLength(0);
  });

  it('evicts the specialised pods of a changed version or a deleted function', async () => {
    const specialized = [
      { name: 's1', fn: 'f', version: '$LATEST' },
      { name: 's2', fn: 'f', version: '1' },
      { name: 's3', fn: 'other', version: '$LATEST' },
    ];
    const changed = setup([], () => ({ kind: 'answer', status: 200 }), { specialized });
    await changed.pool.evict('f', '$LATEST');
    expect(changed.removed).toEqual(['s1']);
    const deleted = setup([], () => ({ kind: 'answer', status: 200 }), { specialized });
    await deleted.pool.evict('f');
    expect(deleted.removed).toEqual(['s1', 's2']);
  });
});

describe('ClusterPool with a warm pool', () => {
  let agents: FakeAgent[] = [];
  let pools: ClusterPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(agents.map((a) => a.close()));
    agents = [];
    pools = [];
  });

  it('serves a cold call on a claimed generic pod, and counts it as a wait', async () => {
    const agent = await FakeAgent.start('g1');
    agents.push(agent);
    const claimed: string[] = [];
    const ended: string[] = [];
    const waits: string[] = [];
    const pool = new ClusterPool({
      pods: new WorkerPodIndex(),
      client: new HttpAgentClient({ maxResponseBytes: 1 << 20, connectTimeoutMs: 500 }),
      port: 1,
      coldStartWaitMs: 200,
      busyWaitMs: 200,
      logger: silent,
      demand: {
        run: () => () => undefined,
        wait: (fn) => {
          waits.push(fn.name);
          return () => undefined;
        },
      },
      warmPool: {
        evict: () => Promise.resolve(),
        claim: (fn) => {
          claimed.push(fn.name);
          return Promise.resolve(agent.pod({ specialized: true }));
        },
        firstCallEnded: (name) => ended.push(name),
      },
    });
    pools.push(pool);
    const result = await pool.invoke(fnConfig(), {
      requestId: randomUUID(),
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
      payload: Buffer.from('{}'),
      tailLog: false,
    });
    expect(JSON.parse(result.payload.toString())).toMatchObject({ pod: 'g1' });
    expect(claimed).toEqual(['hello']);
    expect(waits).toEqual(['hello']);
    // The pool hears when the claiming call has its answer (it relabels the pod then).
    expect(ended).toEqual([agent.pod({ specialized: true }).name]);
  });

  it('without a generic pod the call waits for its own as before (claimed once per call)', async () => {
    let claims = 0;
    const pool = new ClusterPool({
      pods: new WorkerPodIndex(),
      client: new HttpAgentClient({ maxResponseBytes: 1 << 20, connectTimeoutMs: 500 }),
      port: 1,
      coldStartWaitMs: 100,
      busyWaitMs: 100,
      logger: silent,
      warmPool: {
        evict: () => Promise.resolve(),
        claim: () => {
          claims++;
          return Promise.resolve(undefined);
        },
        firstCallEnded: () => undefined,
      },
    });
    pools.push(pool);
    await expect(
      pool.invoke(fnConfig(), {
        requestId: randomUUID(),
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
        payload: Buffer.from('{}'),
        tailLog: false,
      }),
    ).rejects.toMatchObject({ name: 'ResourceNotReadyException' });
    expect(claims).toBe(1);
  });
});
