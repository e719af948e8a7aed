import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually, testEnv } from '@lamina/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadClusterConfig } from '../../services/gateway/src/cluster-config.js';
import { type ClusterGatewayHandle, startClusterGateway } from '../../services/gateway/src/main.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';
import {
  ROOT,
  buildOperator,
  createNamespace,
  deleteNamespace,
  getJson,
  kubectl,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './support/cluster.js';
import { workerImage } from './support/worker-image.js';

// Scaling on the real node (issue #15, ADR 0017): the cluster gateway (in this process, on the
// node bridge's address so pods can fetch their code) reports the calls it runs and holds to
// Redis and wakes the operator's autoscaler (a real process, short windows) on a cold call. A new
// function has no pod until its first call, goes back to zero after the idle window, and a burst
// of concurrent calls gets one pod each instead of 429.

const SECRET = 'cluster-scaling-test-secret-0001';
const IDLE_SECONDS = 12;

interface DeploymentJson {
  spec: { replicas?: number };
  status?: { readyReplicas?: number };
}

describe('cluster scaling: from zero, to zero, bursts', () => {
  let ns = '';
  let stateDir = '';
  let operator: OperatorProcess | undefined;
  let gateway: ClusterGatewayHandle | undefined;
  let lambda: LambdaClient;
  const zip = makeZip({
    'index.mjs': `import { hostname } from 'node:os';
export const handler = async (e) => {
  if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs));
  return { pod: hostname() };
};
`,
  });

  const podsOf = async (fn: string): Promise<string[]> => {
    const out = await kubectlOk([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `lamina.dev/function=${fn}`,
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    return out.split(' ').filter((p) => p !== '');
  };
  const deploymentOf = (fn: string) =>
    getJson<DeploymentJson>(['get', 'deployment', `${fn}-latest`, '-n', ns]);
  const create = async (fn: string, memorySize: number): Promise<void> => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: memorySize,
        Timeout: 30,
        Code: { ZipFile: zip },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
  };
  const invoke = async (fn: string, payload: object = {}): Promise<{ pod: string }> => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    expect(r.FunctionError).toBeUndefined();
    return JSON.parse(new TextDecoder().decode(r.Payload)) as { pod: string };
  };

  beforeAll(async () => {
    testEnv.require('LAMINA_TEST_NODE');
    const redisUrl = testEnv.require('REDIS_URL');
    // The node bridge's own address (test/env/versions.sh NODE_IP): the pods' way to this host.
    const host = '10.213.0.1';
    const [image] = await Promise.all([workerImage('nodejs22.x'), buildOperator()]);
    await kubectlOk([
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      join(ROOT, 'deploy/crds'),
    ]);
    ns = await createNamespace('scale');
    const prefix = `scale-${ns}`;
    stateDir = mkdtempSync(join(tmpdir(), 'lamina-scale-'));
    const kc = new KubeConfig();
    kc.loadFromDefault();
    gateway = await startClusterGateway({
      config: loadClusterConfig({
        REDIS_URL: redisUrl,
        LAMINA_HOST: host,
        LAMINA_PORT: '0',
        LAMINA_NAMESPACE: ns,
        LAMINA_CODE_DIR: stateDir,
        LAMINA_STATE_DIR: stateDir,
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        // A pod starts, fetches its code and runs init on a shared 2-core node: allow for it.
        LAMINA_COLD_START_WAIT_MS: '90000',
        LAMINA_BUSY_WAIT_MS: '90000',
      }),
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    operator = startOperator({
      namespace: ns,
      identity: 'op-scale',
      env: {
        LAMINA_WORKER_IMAGE_PREFIX: image.prefix,
        LAMINA_WORKER_IMAGE_TAG: image.tag,
        LAMINA_WORKER_CODE_DELIVERY: 'http',
        LAMINA_WORKER_CODE_URL: gateway.url,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        LAMINA_REDIS_URL: redisUrl,
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_AUTOSCALER: 'true',
        LAMINA_AUTOSCALER_TICK_MS: '500',
        LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS: '6',
        LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS: '2',
        LAMINA_SCALE_TO_ZERO_SECONDS: String(IDLE_SECONDS),
        LAMINA_LOG_LEVEL: 'info',
      },
    });
    lambda = lambdaClient(gateway.url, { maxSockets: 16 });
  }, 600_000);

  afterAll(async () => {
    lambda.destroy();
    await kubectl(['delete', 'functions.lamina.dev', '--all', '-n', ns, '--timeout=60s']);
    if (operator?.child.exitCode === null) {
      operator.child.kill('SIGTERM');
      await operator.exited;
    }
    await gateway?.stop();
    await deleteNamespace(ns);
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('a new function has no pod until its first call, goes to zero when idle, and comes back', async () => {
    const fn = 'zero';
    await create(fn, 512);
    // Active with no environment: the Deployment exists at zero replicas.
    expect((await deploymentOf(fn))?.spec.replicas).toBe(0);
    expect(await podsOf(fn)).toEqual([]);

    const first = await invoke(fn);
    expect(first.pod).toMatch(/^zero-latest-/);
    const shown = await kubectlOk(['get', 'functions.lamina.dev', fn, '-n', ns]);
    expect(shown.split('\n')[0]).toMatch(/DESIRED\s+READY/);

    // No call for the idle window: the autoscaler takes the version back to zero.
    await eventually(
      async () => {
        expect((await deploymentOf(fn))?.spec.replicas).toBe(0);
        expect(await podsOf(fn)).toEqual([]);
        return true;
      },
      {
        what: 'the version back at zero pods',
        timeoutMs: (IDLE_SECONDS + 60) * 1000,
        intervalMs: 1000,
      },
    );

    const again = await invoke(fn);
    expect(again.pod).toMatch(/^zero-latest-/);
    expect(again.pod).not.toBe(first.pod);
  }, 300_000);

  it('a burst of concurrent calls gets an environment each, without 429', async () => {
    const fn = 'burst';
    const n = 5;
    await create(fn, 256);
    const calls = Array.from({ length: n }, () => invoke(fn, { sleepMs: 3000 }));
    const results = await Promise.all(calls);
    expect(results).toHaveLength(n);
    // One pod per concurrent call was asked for: the Deployment grew to match.
    expect((await deploymentOf(fn))?.spec.replicas).toBeGreaterThanOrEqual(n);
    expect(new Set(results.map((r) => r.pod)).size).toBeGreaterThan(1);
  }, 300_000);
});
