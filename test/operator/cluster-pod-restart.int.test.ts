import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { getJson, kubectl, kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { type FunctionStatusWatch, watchFunctionStatus } from './support/status-watch.js';

// Lambda's state machine on the real kubelet (ADR 0033): a function that became Active stays
// Active when its execution environment dies. Here a fixed-replica function (no autoscaler,
// one warm pod) loses its only pod twice — its worker agent crashes and the kubelet restarts its
// container in place, then the pod is deleted and replaced — and each time the operator keeps it Active and Successful while no
// pod is ready, and the next Invoke, sent once, waits for the new environment as a cold start
// does instead of answering ResourceConflictException.

const decoder = new TextDecoder();

/** Run in the worker container: SIGKILLs the agent (the process running its start.mjs). */
const KILL_AGENT = `const fs = require('fs');
for (const p of fs.readdirSync('/proc')) {
  if (!/^[0-9]+$/.test(p) || Number(p) === process.pid) continue;
  let cmd = '';
  try { cmd = fs.readFileSync('/proc/' + p + '/cmdline', 'utf8'); } catch {}
  if (cmd.includes('/var/lamina/agent/start.mjs')) process.kill(Number(p), 'SIGKILL');
}`;

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    containerStatuses?: { name: string; restartCount: number; ready: boolean }[];
  };
}

describe('a fixed-replica function whose environment restarts (cluster mode)', () => {
  const fn = 'restarts';
  let lamina: ClusterLamina | undefined;
  let lambda: LambdaClient;
  let watch: FunctionStatusWatch | undefined;

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'pod-restart',
      // A replacement pod starts, fetches its code and runs init on a shared node: allow for it.
      gatewayEnv: { LAMINA_COLD_START_WAIT_MS: '120000' },
    });
    lambda = lamina.lambda;
    await lamina.createFunction(
      fn,
      makeZip({
        'index.mjs':
          'export const handler = async (event) => ({ n: event.n, pid: process.pid });\n',
      }),
    );
  }, 600_000);

  afterAll(async () => {
    watch?.stop();
    await lamina?.stop();
  }, 180_000);

  const invoke = async (n: number): Promise<Record<string, unknown>> => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ n })) }),
    );
    expect(r.FunctionError).toBeUndefined();
    return JSON.parse(decoder.decode(r.Payload)) as Record<string, unknown>;
  };

  /** The function's one pod that is not being deleted. */
  const onlyPod = async (): Promise<string> => {
    const all = await getJson<{ items: PodJson[] }>([
      'get',
      'pods',
      '-n',
      lamina?.ns ?? '',
      '-l',
      `lamina.dev/function=${fn}`,
    ]);
    const live = (all?.items ?? []).filter((p) => p.metadata.deletionTimestamp === undefined);
    expect(live).toHaveLength(1);
    return live[0]?.metadata.name ?? '';
  };

  const expectActive = async (): Promise<void> => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    expect(c).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
  };

  it('stays Active while its crashed worker container restarts, and the next call is served', async () => {
    const ns = lamina?.ns ?? '';
    expect(await invoke(1)).toMatchObject({ n: 1 });
    const pod = await onlyPod();
    watch = await watchFunctionStatus(ns, fn);
    // The agent crashes (SIGKILL; the pod shares one PID namespace, so it is not pid 1 there),
    // and the kubelet starts its container again. The exec may end with its container (its
    // exit code is not read): the restart count below says the agent died.
    await kubectl([
      'exec',
      '-n',
      ns,
      pod,
      '-c',
      'worker',
      '--',
      '/var/lamina/agent/node',
      '-e',
      KILL_AGENT,
    ]);
    await expectActive();
    // Sent once: the gateway holds it until the restarted container is ready.
    expect(await invoke(2)).toMatchObject({ n: 2 });
    const after = await getJson<PodJson>(['get', 'pod', pod, '-n', ns]);
    const worker = after?.status?.containerStatuses?.find((c) => c.name === 'worker');
    expect(worker?.restartCount).toBeGreaterThanOrEqual(1);
    await expectActive();
    // Every status the operator wrote meanwhile kept it Active (a pod not ready for a moment
    // may not reach the status at all; the next case makes the window certain).
    expect(watch.seen.length).toBeGreaterThan(0);
    for (const s of watch.seen) {
      expect(s).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    }
    watch.stop();
    watch = undefined;
  }, 300_000);

  it('stays Active while its pod is replaced, with no pod ready, and the next call is served', async () => {
    const ns = lamina?.ns ?? '';
    const pod = await onlyPod();
    watch = await watchFunctionStatus(ns, fn);
    await kubectlOk(['delete', 'pod', pod, '-n', ns, '--wait=false']);
    // The operator saw no ready environment (the replacement is still starting)...
    const gone = await watch.until((s) => s.readyEnvironments === 0, {
      timeoutMs: 60_000,
      what: `the status of ${fn} with no ready environment`,
    });
    expect(watch.seen[gone]).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    // ... and the function is still invocable: one call, served by the replacement.
    await expectActive();
    expect(await invoke(3)).toMatchObject({ n: 3 });
    const now = await onlyPod();
    expect(now).not.toBe(pod);
    await watch.until((s) => (s.readyEnvironments ?? 0) > 0, {
      timeoutMs: 60_000,
      what: `the status of ${fn} with its replacement ready`,
      from: gone,
    });
    for (const s of watch.seen) {
      expect(s).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    }
  }, 300_000);
});
