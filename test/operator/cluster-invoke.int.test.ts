import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@lamina/testkit';

import { makeZip } from '../support/zip.js';
import { kubectlOk } from './support/cluster.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';
import { ownedNames } from './support/resources.js';

// The whole of cluster mode on one real node: the unmodified AWS SDK → the cluster gateway
// (in this process) → Function/FunctionVersion/Alias resources → the operator (a real process)
// → worker Deployments → kubelet + containerd run the worker image (built and loaded here, no
// registry) → the gateway invokes the pods' worker agents by pod IP. The code store is a
// hostPath PersistentVolume shared by the gateway (a folder here) and the pods (read-only).

const decoder = new TextDecoder();

const zipOf = (source: string): Uint8Array => makeZip({ 'index.mjs': source });

/** A handler that says which code ran, plus what it saw of its environment. */
const codeSaying = (label: string): Uint8Array =>
  zipOf(`export const handler = async (event, context) => {
  if (event && event.fail) throw new Error('asked to fail');
  return { code: '${label}', greeting: process.env.GREETING ?? null,
    version: context.functionVersion, uid: process.getuid() };
};\n`);

interface Answer {
  code: string;
  greeting: string | null;
  version: string;
  uid: number;
}

describe('cluster mode end to end: SDK → gateway → operator → kubelet → worker agent', () => {
  const fn = 'hello';
  let ns = '';
  let lamina: ClusterLamina | undefined;
  let lambda: LambdaClient;

  async function invoke(
    qualifier?: string,
    payload: unknown = {},
  ): Promise<{ answer: Answer; executed: string | undefined; error: string | undefined }> {
    const r = await lambda.send(
      new InvokeCommand({
        FunctionName: fn,
        ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    return {
      answer: JSON.parse(decoder.decode(r.Payload)) as Answer,
      executed: r.ExecutedVersion,
      error: r.FunctionError,
    };
  }

  beforeAll(async () => {
    // The code store is a hostPath PersistentVolume over the gateway's code folder.
    lamina = await startClusterLamina({ name: 'e2e', codeDelivery: 'volume' });
    ns = lamina.ns;
    lambda = lamina.lambda;
  }, 600_000);

  afterAll(async () => {
    await lamina?.stop();
  }, 120_000);

  it('creates a function whose pod runs it, locked down, with its environment', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        // CPU follows memory (512 MB ≈ 0.29 vCPU), as in Lambda; 128 MB would get 0.07.
        MemorySize: 512,
        Timeout: 10,
        Code: { ZipFile: codeSaying('one') },
        Environment: { Variables: { GREETING: 'hi' } },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const r = await invoke();
    expect(r.answer).toEqual({ code: 'one', greeting: 'hi', version: '$LATEST', uid: 10001 });
    expect(r.executed).toBe('$LATEST');
    expect(r.error).toBeUndefined();

    const failed = await invoke(undefined, { fail: true });
    expect(failed.error).toBe('Unhandled');
    expect(failed.answer).toMatchObject({ errorMessage: 'asked to fail' });

    const tail = await lambda.send(new InvokeCommand({ FunctionName: fn, LogType: 'Tail' }));
    const log = Buffer.from(tail.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/^START RequestId: /m);
    expect(log).toMatch(/^REPORT RequestId: .*Max Memory Used: \d+ MB/m);

    const pods = await kubectlOk(['get', 'pods', '-n', ns, '-l', `lamina.dev/function=${fn}`]);
    expect(pods).toMatch(/Running/);
  }, 240_000);

  it('rolls new code and configuration out to new environments', async () => {
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: codeSaying('two') }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    expect((await invoke()).answer.code).toBe('two');

    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        Environment: { Variables: { GREETING: 'hello again' } },
      }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    // The update completed: the rolled pods are the only ready ones left, or will be shortly.
    await eventually(
      async () => ((await invoke()).answer.greeting === 'hello again' ? true : undefined),
      { what: 'the new environment value in the function', timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 420_000);

  it('versions and a weighted alias: prod → 1 runs 1, 30 % goes to 2, $LATEST runs newer code', async () => {
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    expect(v1.Version).toBe('1');
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: codeSaying('three') }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    expect(v2.Version).toBe('2');
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: codeSaying('four') }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    await lambda.send(
      new CreateAliasCommand({ FunctionName: fn, Name: 'prod', FunctionVersion: '1' }),
    );

    // Version pods start on publish; the first calls may wait for them.
    const prod = await invoke('prod');
    expect(prod.answer).toMatchObject({ code: 'two', version: '1' });
    expect(prod.executed).toBe('1');
    const two = await invoke('2');
    expect(two.answer).toMatchObject({ code: 'three', version: '2' });
    await eventually(async () => ((await invoke()).answer.code === 'four' ? true : undefined), {
      what: '$LATEST on the newest code',
      timeoutMs: 60_000,
      intervalMs: 500,
    });

    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: fn,
        Name: 'prod',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
      }),
    );
    const calls = 2000;
    const counts = new Map<string, number>();
    let next = 0;
    // Two callers: each version keeps one environment, so more would mostly wait for them.
    await Promise.all(
      [0, 1].map(async () => {
        while (next < calls) {
          next += 1;
          const r = await invoke('prod');
          expect(r.answer.version).toBe(r.executed);
          counts.set(r.executed ?? '?', (counts.get(r.executed ?? '?') ?? 0) + 1);
        }
      }),
    );
    const share = (counts.get('2') ?? 0) / calls;
    console.log(
      `weighted alias over ${calls} calls: ${JSON.stringify(Object.fromEntries(counts))}`,
    );
    expect((counts.get('1') ?? 0) + (counts.get('2') ?? 0)).toBe(calls);
    expect(share).toBeGreaterThanOrEqual(0.25);
    expect(share).toBeLessThanOrEqual(0.35);
  }, 600_000);

  it('deleting the function leaves no environment behind', async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
    await eventually(
      async () => {
        const left = await ownedNames(ns, 'deployments,replicasets,pods,secrets', fn);
        return left.length === 0 ? true : undefined;
      },
      { what: 'no worker pods and Deployments left', timeoutMs: 120_000, intervalMs: 1000 },
    );
    const gone = await lambda
      .send(new GetFunctionCommand({ FunctionName: fn }))
      .then(() => 'found')
      .catch((err: unknown) => (err as { name: string }).name);
    expect(gone).toBe('ResourceNotFoundException');
  }, 180_000);
});
