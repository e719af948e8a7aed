import {
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { eventually } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { getJson, kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

// Provisioned concurrency on the real node (issue #15 item 5), through the cluster gateway with
// the unmodified AWS SDK: the config lives on the FunctionVersion (annotation + the summed
// spec.provisionedConcurrency), the operator makes it the worker Deployment's floor and starts
// provisioned pods (init at start, ready after init), Get turns READY when they are ready, their
// calls carry no Init Duration, and Delete takes the version back to on-demand (to zero when idle).

const IDLE_SECONDS = 12;

interface PodList {
  items: {
    metadata: { name: string };
    spec: { containers: { env?: { name: string; value?: string }[] }[] };
    status: { conditions?: { type: string; status: string }[] };
  }[];
}

interface VersionJson {
  metadata: { annotations?: Record<string, string> };
  spec: { provisionedConcurrency?: number };
}

interface DeploymentJson {
  spec: {
    replicas?: number;
    template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } };
  };
}

describe('cluster provisioned concurrency: READY warm pods, FAILED with a reason, DELETE → on-demand', () => {
  const fn = 'pc';
  let cluster: ClusterLamina | undefined;
  let lambda: LambdaClient;
  let ns = '';
  const zip = makeZip({
    'index.mjs': `import { hostname } from 'node:os';
// Init that takes a moment, so an Init Duration would be plain to see.
await new Promise((r) => setTimeout(r, 300));
export const handler = async (e) => {
  if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs));
  return { pod: hostname(), initType: process.env.AWS_LAMBDA_INITIALIZATION_TYPE ?? null };
};
`,
  });

  const readyPods = async (): Promise<PodList['items']> => {
    const pods = await getJson<PodList>([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `lamina.dev/function=${fn},lamina.dev/version=v1`,
    ]);
    return (pods?.items ?? []).filter((p) =>
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  };
  const initTypeOf = (env: { name: string; value?: string }[] | undefined) =>
    env?.find((e) => e.name === 'LAMINA_INITIALIZATION_TYPE')?.value;
  const deployment = () => getJson<DeploymentJson>(['get', 'deployment', `${fn}-v1`, '-n', ns]);
  const get = () =>
    lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: '1' }));

  beforeAll(async () => {
    cluster = await startClusterLamina({
      name: 'pc',
      autoscaler: { idleSeconds: IDLE_SECONDS },
      // Requests = limits (Guaranteed QoS, ADR 0032), so a 4096 MB pod asks for more CPU than
      // the node has: the FAILED case below needs a pod the scheduler refuses.
      operatorEnv: { LAMINA_WORKER_CPU_REQUEST: 'limit' },
    });
    ({ lambda, ns } = cluster);
    await cluster.createFunction(fn, zip, { MemorySize: 256 });
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    expect(published.Version).toBe('1');
  }, 600_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('provisions 2 initialised pods, READY, whose calls report no Init Duration', async () => {
    const put = await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: fn,
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    expect(put.RequestedProvisionedConcurrentExecutions).toBe(2);
    expect(['IN_PROGRESS', 'READY']).toContain(put.Status);

    // Where a platform team sees it: the version's floor and its per-qualifier config.
    const fv = await getJson<VersionJson>([
      'get',
      'functionversions.lamina.dev',
      `${fn}-v1`,
      '-n',
      ns,
    ]);
    expect(fv?.spec.provisionedConcurrency).toBe(2);
    expect(
      JSON.parse(fv?.metadata.annotations?.['lamina.dev/provisioned-concurrency'] ?? '{}'),
    ).toMatchObject({ requested: 2 });

    const ready = await eventually(
      async () => {
        const r = await get();
        expect(r.Status).toBe('READY');
        return r;
      },
      { what: 'the config READY', timeoutMs: 300_000, intervalMs: 2000 },
    );
    expect(ready.AvailableProvisionedConcurrentExecutions).toBe(2);
    expect(ready.AllocatedProvisionedConcurrentExecutions).toBe(2);
    const listed = await lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: fn }),
    );
    expect(listed.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn)).toEqual([
      expect.stringMatching(/:function:pc:1$/),
    ]);

    // Two provisioned pods, ready (the agent turns ready after init) before any call.
    const pods = await readyPods();
    const provisioned = pods.filter(
      (p) => initTypeOf(p.spec.containers[0]?.env) === 'provisioned-concurrency',
    );
    expect(provisioned.length).toBeGreaterThanOrEqual(2);

    // Two concurrent calls, one per environment: no Init Duration in either REPORT line.
    const answers = await Promise.all(
      [0, 1].map(() =>
        lambda.send(
          new InvokeCommand({
            FunctionName: fn,
            Qualifier: '1',
            LogType: 'Tail',
            Payload: Buffer.from(JSON.stringify({ sleepMs: 1500 })),
          }),
        ),
      ),
    );
    const seen = answers.map((a) => {
      expect(a.FunctionError).toBeUndefined();
      const log = Buffer.from(a.LogResult ?? '', 'base64').toString('utf8');
      const report = log.split('\n').find((l) => l.startsWith('REPORT '));
      expect(report).toBeDefined();
      expect(report).not.toContain('Init Duration');
      return JSON.parse(new TextDecoder().decode(a.Payload)) as { pod: string; initType: string };
    });
    expect(seen.map((s) => s.initType)).toEqual([
      'provisioned-concurrency',
      'provisioned-concurrency',
    ]);
    expect(new Set(seen.map((s) => s.pod)).size).toBe(2);
  }, 420_000);

  it('DELETE removes the config and returns the version to on-demand', async () => {
    await lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: '1' }),
    );
    await expect(get()).rejects.toMatchObject({
      name: 'ProvisionedConcurrencyConfigNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    const fv = await getJson<VersionJson>([
      'get',
      'functionversions.lamina.dev',
      `${fn}-v1`,
      '-n',
      ns,
    ]);
    expect(fv?.spec.provisionedConcurrency).toBeUndefined();
    expect(fv?.metadata.annotations?.['lamina.dev/provisioned-concurrency']).toBeUndefined();

    // The Deployment is on-demand again: its pods are ordinary ones, and with no floor and no
    // calls the autoscaler takes it to zero after the idle window.
    await eventually(
      async () => {
        const d = await deployment();
        expect(initTypeOf(d?.spec.template.spec.containers[0]?.env)).toBeUndefined();
        expect(d?.spec.replicas).toBe(0);
        return true;
      },
      {
        what: 'the version back at zero, on-demand',
        timeoutMs: (IDLE_SECONDS + 120) * 1000,
        intervalMs: 2000,
      },
    );
    const shown = await kubectlOk(['get', 'functionversions.lamina.dev', `${fn}-v1`, '-n', ns]);
    expect(shown.split('\n')[0]).toMatch(/PROVISIONED/);
  }, 300_000);

  it('a config whose pods cannot be scheduled turns FAILED and says why', async () => {
    // 4096 MB asks for more than the node's 2 CPUs (CPU in proportion to memory, as Lambda, and
    // requested whole in this suite).
    const big = 'pcbig';
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: big,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: 4096,
        Code: { ZipFile: zip },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
      { FunctionName: big },
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: big }));
    await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: big,
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    const failed = await eventually(
      async () => {
        const r = await lambda.send(
          new GetProvisionedConcurrencyConfigCommand({ FunctionName: big, Qualifier: '1' }),
        );
        expect(r.Status).toBe('FAILED');
        return r;
      },
      { what: 'the config FAILED', timeoutMs: 180_000, intervalMs: 2000 },
    );
    expect(failed.StatusReason).toMatch(/Unschedulable: .*cpu/i);
    expect(failed.AvailableProvisionedConcurrentExecutions).toBe(0);
    await lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: big, Qualifier: '1' }),
    );
  }, 300_000);
});
