import {
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { eventually } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

// Bursts and scale-down on the real node (issue #15's acceptance, ADR 0017), with the unmodified
// AWS SDK through the cluster gateway and the operator's autoscaler (short windows): 20
// concurrent sync callers on a function at zero all succeed and the version grows to 20
// environments; with reserved concurrency 5 exactly the 15 calls beyond 5 get 429
// TooManyRequestsException with Reason ReservedFunctionConcurrentInvocationLimitExceeded, and
// the version never asks for more than 5; long calls still running while demand drops and the
// autoscaler scales the version down all succeed, even when their pods are then deleted (SIGTERM:
// the worker agent turns unready and finishes its call within the grace period).

const IDLE_SECONDS = 10;
const BURST = 20;

interface Answer {
  readonly pod: string;
}

describe('cluster scaling: bursts of 20, reserved concurrency, scale-down under load', () => {
  let lamina: ClusterLamina | undefined;
  const zip = makeZip({
    'index.mjs': `import { hostname } from 'node:os';
export const handler = async (e) => {
  if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs));
  return { pod: hostname() };
};
`,
  });
  const l = (): ClusterLamina => {
    if (lamina === undefined) throw new Error('not started');
    return lamina;
  };
  const invoke = async (fn: string, payload: object = {}): Promise<Answer> => {
    const r = await l().lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    if (r.FunctionError !== undefined) {
      throw new Error(`function error: ${new TextDecoder().decode(r.Payload)}`);
    }
    return JSON.parse(new TextDecoder().decode(r.Payload)) as Answer;
  };
  /** Samples the version's replicas every 250 ms until stopped; resolves with the highest. */
  const watchReplicas = (fn: string): { stop: () => Promise<number> } => {
    const state = { running: true };
    let highest = 0;
    const loop = (async () => {
      while (state.running) {
        const d = await l().deploymentOf(fn);
        highest = Math.max(highest, d?.spec.replicas ?? 0);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    return {
      stop: async () => {
        state.running = false;
        await loop;
        return highest;
      },
    };
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'burst',
      autoscaler: { idleSeconds: IDLE_SECONDS },
      maxSockets: 64,
    });
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 180_000);

  it('20 concurrent callers on a function at zero: all succeed, no 429, 20 environments', async () => {
    const fn = 'burst';
    await l().createFunction(fn, zip);
    expect((await l().deploymentOf(fn))?.spec.replicas).toBe(0);
    const watch = watchReplicas(fn);
    // Long enough that every call overlaps every other, cold starts included.
    const settled = await Promise.allSettled(
      Array.from({ length: BURST }, () => invoke(fn, { sleepMs: 8000 })),
    );
    const highest = await watch.stop();
    const failed = settled.filter((s) => s.status === 'rejected');
    expect(failed.map((f) => String(f.reason))).toEqual([]);
    expect(highest).toBe(BURST);
    const served = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.pod] : []));
    expect(served.every((p) => p.startsWith(`${fn}-latest-`))).toBe(true);
  }, 400_000);

  it('reserved concurrency 5: exactly the 15 calls beyond 5 get 429 with its Reason', async () => {
    const fn = 'reserved';
    await l().createFunction(fn, zip);
    await l().lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: fn, ReservedConcurrentExecutions: 5 }),
    );
    const watch = watchReplicas(fn);
    const settled = await Promise.allSettled(
      Array.from({ length: BURST }, () => invoke(fn, { sleepMs: 8000 })),
    );
    const highest = await watch.stop();
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const throttled = settled.flatMap((s) =>
      s.status === 'rejected' && s.reason instanceof TooManyRequestsException ? [s.reason] : [],
    );
    expect(ok).toHaveLength(5);
    expect(throttled).toHaveLength(BURST - 5);
    for (const t of throttled) {
      expect(t.$metadata.httpStatusCode).toBe(429);
      expect(t.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    expect(highest).toBe(5);
  }, 400_000);

  it('long calls running while demand drops and the version scales down all succeed', async () => {
    const fn = 'drain';
    await l().createFunction(fn, zip, { Timeout: 90 });
    // 8 calls at once: 8 environments; 3 of them run long, the rest finish quickly.
    const watch = watchReplicas(fn);
    const long = Array.from({ length: 3 }, () => invoke(fn, { sleepMs: 45_000 }));
    const short = Array.from({ length: 5 }, () => invoke(fn, { sleepMs: 6000 }));
    await Promise.all(short);
    const grown = await watch.stop();
    expect(grown).toBeGreaterThan(3); // more than the long calls: room to scale down
    // Demand is now the 3 long calls: the autoscaler scales down while they run.
    await eventually(
      async () => {
        const replicas = (await l().deploymentOf(fn))?.spec.replicas ?? 0;
        expect(replicas).toBeLessThan(grown);
        expect(replicas).toBeGreaterThanOrEqual(3);
        return true;
      },
      { what: 'a scale-down while the long calls run', timeoutMs: 30_000, intervalMs: 500 },
    );
    // Whichever pods the Deployment kept, SIGTERM on a busy one lets its call finish: end them all.
    await kubectlOk([
      'delete',
      'pods',
      '-n',
      l().ns,
      '-l',
      `lamina.dev/function=${fn}`,
      '--wait=false',
    ]);
    const results = await Promise.allSettled(long);
    expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    // And later, idle: back to zero.
    await eventually(
      async () => {
        expect((await l().deploymentOf(fn))?.spec.replicas).toBe(0);
        return true;
      },
      { what: 'the version back at zero', timeoutMs: (IDLE_SECONDS + 60) * 1000, intervalMs: 1000 },
    );
  }, 400_000);
});
