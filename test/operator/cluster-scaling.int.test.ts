import { InvokeCommand } from '@aws-sdk/client-lambda';
import { eventually } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { kubectl, kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

// Scaling on the real node (issue #15, ADR 0017): the cluster gateway (in this process, on the
// node bridge's address so pods can fetch their code) reports the calls it runs and holds to
// Redis and wakes the operator's autoscaler (a real process, short windows) on a cold call. A new
// function has no pod until its first call, goes back to zero after the idle window, and a burst
// of concurrent calls gets one pod each instead of 429.

const IDLE_SECONDS = 12;

describe('cluster scaling: from zero, to zero, bursts', () => {
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
  const invoke = async (fn: string, payload: object = {}): Promise<{ pod: string }> => {
    const r = await l().lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    expect(r.FunctionError).toBeUndefined();
    return JSON.parse(new TextDecoder().decode(r.Payload)) as { pod: string };
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'scale',
      autoscaler: { idleSeconds: IDLE_SECONDS },
      maxSockets: 16,
    });
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 120_000);

  it('a new function has no pod until its first call, goes to zero when idle, and comes back', async () => {
    const fn = 'zero';
    await l().createFunction(fn, zip, { MemorySize: 512 });
    // Active with no environment: the Deployment exists at zero replicas.
    expect((await l().deploymentOf(fn))?.spec.replicas).toBe(0);
    expect(await l().podsOf(fn)).toEqual([]);

    const first = await invoke(fn);
    expect(first.pod).toMatch(/^zero-latest-/);
    // The pod's own log until its container exits. The gateway holds an idle connection to it;
    // when the version scales down, the gateway closes that connection as its pod watch sees the
    // pod go (WorkerPodIndex.onLeave → HttpAgentClient.forget), and the stopping agent, which
    // waits for it (ADR 0060), exits then — not at its linger deadline.
    const podLog = kubectl(['logs', '--follow', first.pod, '-n', l().ns]);
    const shown = await kubectlOk(['get', 'functions.lamina.dev', fn, '-n', l().ns]);
    expect(shown.split('\n')[0]).toMatch(/DESIRED\s+READY/);

    // No call for the idle window: the autoscaler takes the version back to zero.
    await eventually(
      async () => {
        expect((await l().deploymentOf(fn))?.spec.replicas).toBe(0);
        expect(await l().podsOf(fn)).toEqual([]);
        return true;
      },
      {
        what: 'the version back at zero pods',
        timeoutMs: (IDLE_SECONDS + 60) * 1000,
        intervalMs: 1000,
      },
    );

    // Closed by the gateway: before the pod's SIGTERM (its watch saw the deletion first) or while
    // the agent waited for it; never left to the deadline.
    const stopped = await podLog;
    expect(stopped.stdout).toMatch(/"gatewayConnections":[01],"ended":"closed"/);

    const again = await invoke(fn);
    expect(again.pod).toMatch(/^zero-latest-/);
    expect(again.pod).not.toBe(first.pod);
  }, 300_000);

  it('a burst of concurrent calls gets an environment each, without 429', async () => {
    const fn = 'burst';
    const n = 5;
    await l().createFunction(fn, zip, { MemorySize: 256 });
    const calls = Array.from({ length: n }, () => invoke(fn, { sleepMs: 3000 }));
    const results = await Promise.all(calls);
    expect(results).toHaveLength(n);
    // One pod per concurrent call was asked for: the Deployment grew to match.
    expect((await l().deploymentOf(fn))?.spec.replicas).toBeGreaterThanOrEqual(n);
    expect(new Set(results.map((r) => r.pod)).size).toBeGreaterThan(1);
  }, 300_000);
});
