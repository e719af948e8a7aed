import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  type Runtime,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { AGENT_SPECIALIZE_PATH, codeToken } from '@lamina/core';
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

// Pre-warmed generic pods on the real node (issue #15 item 3, ADR 0019): the operator runs a pool
// Deployment of generic nodejs22.x pods; a cold call (the version has no pod: the autoscaler
// starts it at zero) is served by a generic pod the gateway specialises and relabels; the pool
// refills; a second function of the runtime gets another one; and a generic pod cannot be made
// to fetch code with another code's token.

const SECRET = 'cluster-warm-pool-test-secret-01';

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
  spec: { containers: { env?: { name: string; value?: string }[] }[] };
}
interface PodIp {
  name: string;
  ip: string;
}

describe('cluster warm pool: generic pods specialised on demand', () => {
  let ns = '';
  let stateDir = '';
  let operator: OperatorProcess | undefined;
  let gateway: ClusterGatewayHandle | undefined;
  let lambda: LambdaClient;
  const source = (tag: string): Uint8Array =>
    makeZip({
      'index.mjs': `import { hostname } from 'node:os';
export const handler = async () => ({
  fn: '${tag}', pod: hostname(), greeting: process.env.GREETING, gc: typeof globalThis.gc,
});
`,
    });

  const readyGenerics = async (runtime = 'nodejs22.x'): Promise<PodIp[]> => {
    const list = await getJson<{ items: (PodJson & { status?: { podIP?: string } })[] }>([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `lamina.dev/pool=generic,lamina.dev/runtime=${runtime}`,
    ]);
    return (list?.items ?? [])
      .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => ({ name: p.metadata.name, ip: p.status?.podIP ?? '' }));
  };
  const create = async (
    fn: string,
    zip: Uint8Array,
    runtime: Runtime = 'nodejs22.x',
    handler = 'index.handler',
  ): Promise<void> => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: runtime,
        Handler: handler,
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: 256,
        Timeout: 30,
        Environment: { Variables: { GREETING: `hello from ${fn}` } },
        Code: { ZipFile: zip },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
  };
  const invoke = async (fn: string) => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: fn, LogType: 'Tail' }));
    expect(r.FunctionError).toBeUndefined();
    return {
      body: JSON.parse(new TextDecoder().decode(r.Payload)) as {
        fn: string;
        pod: string;
        greeting: string;
        gc: string;
      },
      log: Buffer.from(r.LogResult ?? '', 'base64').toString('utf8'),
    };
  };
  const waitForGeneric = (what: string, except: readonly string[] = [], runtime?: string) =>
    eventually(
      async () => {
        const ready = (await readyGenerics(runtime)).filter((p) => !except.includes(p.name));
        expect(ready.length).toBeGreaterThan(0);
        return ready;
      },
      { what, timeoutMs: 180_000, intervalMs: 1000 },
    );

  const podLog = (pod: string): Promise<string> =>
    kubectl(['logs', '-n', ns, pod]).then((r) => r.stdout);

  beforeAll(async () => {
    testEnv.require('LAMINA_TEST_NODE');
    const redisUrl = testEnv.require('REDIS_URL');
    // The node bridge's own address (test/env/versions.sh NODE_IP): the pods' way to this host.
    const host = '10.213.0.1';
    // Built one after the other (one docker build at a time on a 2-core node); one tag for both.
    const image = await workerImage('nodejs22.x');
    await Promise.all([workerImage('python3.11'), buildOperator()]);
    await kubectlOk([
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      join(ROOT, 'deploy/crds'),
    ]);
    ns = await createNamespace('pool');
    const prefix = `pool-${ns}`;
    stateDir = mkdtempSync(join(tmpdir(), 'lamina-pool-'));
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
        LAMINA_COLD_START_WAIT_MS: '90000',
        LAMINA_BUSY_WAIT_MS: '90000',
      }),
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    operator = startOperator({
      namespace: ns,
      identity: 'op-pool',
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
        LAMINA_WARM_POOL_SIZE: '1',
        LAMINA_WARM_POOL_RUNTIMES: 'nodejs22.x,python3.11',
        LAMINA_WARM_POOL_IDLE_SECONDS: '600',
        LAMINA_LOG_LEVEL: 'info',
      },
    });
    lambda = lambdaClient(gateway.url, { maxSockets: 8 });
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

  it('a cold call is served by a specialised generic pod, the pool refills, a second function gets another', async () => {
    // The pool needs a Function in the namespace to exist; the first one brings it up.
    await create('first', source('first'));
    const [generic] = await waitForGeneric('a ready generic pod');
    expect(generic?.name).toMatch(/^lamina-pool-nodejs22-x-/);

    const first = await invoke('first');
    expect(first.body).toEqual({
      fn: 'first',
      pod: first.body.pod,
      greeting: 'hello from first',
      // The parked runtime started with Lambda's function-independent node options (ADR 0061).
      gc: 'function',
    });
    expect(first.body.pod).toMatch(/^lamina-pool-nodejs22-x-/);
    // A cold start in the call: the specialised environment ran init for it.
    expect(first.log).toMatch(/REPORT RequestId: .*Init Duration/);
    // On the runtime the pod parked before the call (not one spawned in it).
    expect(await podLog(first.body.pod)).toContain('parked runtime taken by the function');

    // The gateway relabels the pod once the call has its answer (the call never waits for it).
    const pod = await eventually(
      async () => {
        const p = await getJson<PodJson>(['get', 'pod', first.body.pod, '-n', ns]);
        expect(p?.metadata.labels).toMatchObject({
          'lamina.dev/pool': 'specialized',
          'lamina.dev/function': 'first',
          'lamina.dev/version': 'latest',
        });
        return p;
      },
      { what: 'the specialised pod relabelled', timeoutMs: 30_000, intervalMs: 500 },
    );
    // The pod still has the generic pod's environment: no function name, no code token.
    const env = pod.spec.containers[0]?.env?.map((e) => e.name) ?? [];
    expect(env).not.toContain('LAMINA_FUNCTION_NAME');
    expect(env).not.toContain('LAMINA_CODE_TOKEN');

    // The generic Deployment lost a pod to the relabelling: it makes a replacement.
    await waitForGeneric('the pool refilled', [first.body.pod]);

    await create('second', source('second'));
    const second = await invoke('second');
    expect(second.body.fn).toBe('second');
    expect(second.body.greeting).toBe('hello from second');
    expect(second.body.pod).toMatch(/^lamina-pool-nodejs22-x-/);
    expect(second.body.pod).not.toBe(first.body.pod);

    // The specialised pod keeps serving its own function warm.
    const again = await invoke('first');
    expect(again.body.fn).toBe('first');
  }, 420_000);

  it("a generic pod cannot fetch a function's code with another code's token", async () => {
    const [pod] = await waitForGeneric('a ready generic pod');
    const ownHex = createHash('sha256').update(source('own')).digest('hex');
    await create('victim', source('victim'));
    const victimHex = createHash('sha256').update(source('victim')).digest('hex');
    const res = await fetch(`http://${pod?.ip ?? ''}:8080${AGENT_SPECIALIZE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        functionName: 'thief',
        version: '$LATEST',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        memorySizeMb: 128,
        timeoutSeconds: 3,
        ephemeralStorageMb: 512,
        environment: {},
        codeSha256Hex: victimHex,
        codeToken: codeToken(SECRET, ownHex),
      }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { message: string }).message).toMatch(/answered 404/);
    // The pod is still generic (and claimable): nothing of the victim's code reached it.
    const ready = await fetch(`http://${pod?.ip ?? ''}:8080/readyz`);
    expect(await ready.text()).toBe('generic nodejs22.x environment');
  }, 300_000);

  it('a Python cold call is served by a generic pod whose parked awslambdaric becomes the function', async () => {
    const zip = makeZip({
      'app.py': `import os, socket

def handler(event, context):
    return {"pod": socket.gethostname(), "greeting": os.environ.get("GREETING"), "cwd": os.getcwd()}
`,
    });
    await create('py', zip, 'python3.11', 'app.handler');
    await waitForGeneric('a ready generic python3.11 pod', [], 'python3.11');
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'py', LogType: 'Tail' }));
    expect(r.FunctionError).toBeUndefined();
    const body = JSON.parse(new TextDecoder().decode(r.Payload)) as Record<string, string>;
    expect(body).toEqual({ pod: body['pod'], greeting: 'hello from py', cwd: '/var/task' });
    expect(body['pod']).toMatch(/^lamina-pool-python3-11-/);
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/REPORT RequestId: .*Init Duration/);
    expect(await podLog(body['pod'] ?? '')).toContain('parked runtime taken by the function');
  }, 420_000);
});
