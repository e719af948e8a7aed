import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { randomBytes } from 'node:crypto';

import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { accessKeySecret, type TestAccessKey } from './support/access-keys.js';
import { makeZip } from '../support/zip.js';
import {
  ROOT,
  createNamespace,
  deleteNamespace,
  installCrds,
  kubectl,
  kubectlOk,
} from './support/cluster.js';
import {
  type BridgeRedis,
  type Callbacks,
  helmPath,
  nodeIp,
  orDiagnose,
  platformImages,
  runOk,
  startCallbacks,
  startRedis,
} from './support/in-cluster.js';
import { codeStore, testEnvValues } from './support/release-values.js';
import { ownedNames } from './support/resources.js';
import { workerImage } from './support/worker-image.js';
import {
  type Collector,
  type Span,
  startCollector,
} from '../observability/support/observability-harness.js';

// `helm install charts/lamina` on the test node: the platform's own images (images/build.sh,
// loaded into the node, nothing pulled) run as the chart deploys them — the operator and the
// gateway talk to the apiserver from their pods (the `kubernetes` Service address, a projected
// service-account token), Redis is a redis-server on the node's bridge address, the code store a
// hostPath PersistentVolume. The unmodified AWS SDK then drives the gateway pod by its pod IP:
// create → Active → invoke (a worker pod runs it) → an Event invoke that the dispatcher pod
// delivers through the gateway's Service (by name: the node's cluster DNS and kube-proxy) →
// delete → the worker Deployment goes → helm uninstall. The release traces (tracing.otlpEndpoint:
// a real OpenTelemetry Collector on the bridge): a sync call through the gateway pod is one
// connected trace there, and the worker pod's function sees its id (issue #22 item 1, ADR 0037).
// LoggingConfig JSON reaches the worker pods (ADR 0041): their Tail log is JSON records.

// Not the chart's default 0.1.0: other suites apply the chart's Deployments with that tag
// (rbac.int, helm.int's deploy/) and rely on them never running, as nothing loads 0.1.0 into
// the node; since pods reach the apiserver, a running operator there would take their Leases.
const TAG = '0.1.0-helm-test';
const log = (msg: string): void => {
  console.log(`[helm-install] ${msg}`);
};

const handler = `import { hostname } from 'node:os';
export const handler = async (event) => {
  const answer = {
    pod: hostname(),
    mark: event.mark ?? null,
    uid: process.getuid(),
    trace: process.env._X_AMZN_TRACE_ID ?? null,
  };
  if (event.callback) {
    await fetch(event.callback, { method: 'POST', body: JSON.stringify(answer) });
  }
  return answer;
};\n`;

interface Answer {
  pod: string;
  mark: string | null;
  uid: number;
  trace: string | null;
}

const SUITE_KEY: TestAccessKey = {
  accessKeyId: 'HELMSUITE',
  secretAccessKey: 'helm-suite-secret-key',
  policy: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
};

describe('helm install charts/lamina: the platform runs in the test cluster', () => {
  const fn = 'greeter';
  const release = uniqueName('lamina');
  let helm = '';
  let ns = '';
  let pv = '';
  let codeDir = '';
  let redis: BridgeRedis | undefined;
  let callbacks: Callbacks | undefined;
  let collector: Collector | undefined;
  let installed = false;
  let lambda: LambdaClient | undefined;

  const sdk = (): LambdaClient => {
    if (lambda === undefined) throw new Error('no gateway: the install failed');
    return lambda;
  };
  const podIpOf = async (component: string): Promise<string | undefined> => {
    const ip = await kubectlOk([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`,
      '--field-selector=status.phase=Running',
      '-o',
      'jsonpath={.items[0].status.podIP}',
    ]);
    return ip.trim() === '' ? undefined : ip.trim();
  };
  const available = (deployments: readonly string[], timeoutS: number): Promise<string> =>
    orDiagnose(ns, () =>
      kubectlOk([
        'wait',
        '-n',
        ns,
        '--for=condition=Available',
        `--timeout=${String(timeoutS)}s`,
        ...deployments.map((d) => `deployment/${release}-${d}`),
      ]),
    );

  beforeAll(async () => {
    testEnv.require('LAMINA_TEST_NODE');
    const t0 = Date.now();
    const [helmBin, , worker, ip] = await Promise.all([
      helmPath(),
      platformImages(TAG),
      workerImage('nodejs22.x'),
      nodeIp(),
      // Helm leaves CRDs that exist alone: apply this tree's (spec.loggingConfig …), as the
      // cluster suites do.
      installCrds(),
    ]);
    helm = helmBin;
    log(`images built and loaded (${TAG}, ${worker.ref}) in ${String(Date.now() - t0)} ms`);
    redis = await startRedis(ip);
    callbacks = await startCallbacks(ip);
    collector = await startCollector(ip);
    log(`redis ${redis.url}, callbacks ${callbacks.url}, collector ${collector.endpoint}`);

    ns = await createNamespace('helm');
    pv = uniqueName('lamina-code');
    codeDir = mkdtempSync(join(ROOT, 'test/env/out/code-'));
    chownSync(codeDir, 10001, 10001); // the gateway pod writes it as uid 10001
    await kubectlOk(['apply', '-f', '-'], codeStore(pv, ns, codeDir));
    // The chart is signed by default (auth.mode=secrets): the suite's own key, as a user makes one.
    await kubectlOk(['apply', '-f', '-'], accessKeySecret(ns, 'helm-suite-key', SUITE_KEY));

    const values = {
      ...testEnvValues({
        tag: TAG,
        redisUrl: redis.url,
        redisPrefix: uniqueName('helm'),
        namespace: ns,
        worker,
      }),
      // The chart's worker-egress policy allows only DNS and the gateway (ADR 0036); the suite's
      // function calls back to the host, so this release opens that one address to every worker,
      // as a platform team opens what its functions need.
      networkPolicy: { workerEgress: [{ to: [{ ipBlock: { cidr: `${ip}/32` } }] }] },
      tracing: { otlpEndpoint: collector.endpoint },
    };
    const valuesFile = join(codeDir, '..', `${release}-values.json`);
    writeFileSync(valuesFile, JSON.stringify(values));
    const t1 = Date.now();
    try {
      await runOk(helm, [
        'install',
        release,
        join(ROOT, 'charts/lamina'),
        '-n',
        ns,
        '-f',
        valuesFile,
      ]);
    } finally {
      rmSync(valuesFile, { force: true });
    }
    installed = true;
    log(`helm install ${release} -n ${ns} in ${String(Date.now() - t1)} ms`);
    await available(['operator', 'gateway', 'dispatcher', 'poller'], 180);
    log(`operator, gateway, dispatcher and poller Available after ${String(Date.now() - t1)} ms`);

    const gatewayIp = await podIpOf('gateway');
    if (gatewayIp === undefined)
      throw new Error('the gateway Deployment is Available without a pod');
    lambda = lambdaClient(`http://${gatewayIp}:9000`, { credentials: SUITE_KEY });
  }, 900_000);

  afterAll(async () => {
    lambda?.destroy();
    if (ns !== '') {
      // Functions carry the operator's finalizer: delete them while the operator still runs.
      await kubectl(['delete', 'functions.lamina.dev', '--all', '-n', ns, '--timeout=60s']);
      if (installed) {
        const t0 = Date.now();
        await runOk(helm, ['uninstall', release, '-n', ns, '--wait', '--timeout', '90s']).then(
          () => {
            log(`helm uninstall in ${String(Date.now() - t0)} ms`);
          },
          (err: unknown) => {
            log(`helm uninstall failed: ${String(err)}`);
          },
        );
      }
      await deleteNamespace(ns);
    }
    if (pv !== '') await kubectl(['delete', 'pv', pv, '--ignore-not-found', '--wait=false']);
    if (codeDir !== '') rmSync(codeDir, { recursive: true, force: true });
    await callbacks?.stop();
    await collector?.stop();
    await redis?.stop();
  }, 180_000);

  it('creates a nodejs22.x function through the gateway pod; a worker pod runs it', async () => {
    const t0 = Date.now();
    await orDiagnose(ns, async () => {
      await sdk().send(
        new CreateFunctionCommand({
          FunctionName: fn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/lambda',
          MemorySize: 256,
          Timeout: 10,
          Code: { ZipFile: makeZip({ 'index.mjs': handler }) },
        }),
      );
      await waitUntilFunctionActiveV2(
        { client: sdk(), maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
        { FunctionName: fn },
      );
    });
    log(`CreateFunction → Active in ${String(Date.now() - t0)} ms`);

    const r = await orDiagnose(ns, () =>
      sdk().send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{"mark":"sync"}') })),
    );
    expect(r.FunctionError).toBeUndefined();
    const answer = JSON.parse(Buffer.from(r.Payload ?? []).toString()) as Answer;
    const workers = await kubectlOk([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `lamina.dev/function=${fn}`,
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    expect(workers.split(' ')).toContain(answer.pod);
    expect(answer).toMatchObject({ mark: 'sync', uid: 10001 });
    log(`Invoke answered by worker pod ${answer.pod} (${String(Date.now() - t0)} ms in all)`);
  }, 240_000);

  it('a sync call through the gateway pod is one connected trace at the collector', async () => {
    const traceId = randomBytes(16).toString('hex');
    const caller = randomBytes(8).toString('hex');
    const client = sdk();
    // The caller's W3C traceparent, added before the request is signed.
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers !== undefined)
          request.headers['traceparent'] = `00-${traceId}-${caller}-01`;
        return next(args);
      },
      { step: 'build', name: 'traceparent' },
    );
    let r;
    try {
      r = await client.send(
        new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{"mark":"traced"}') }),
      );
    } finally {
      client.middlewareStack.remove('traceparent');
    }
    expect(r.FunctionError).toBeUndefined();
    const answer = JSON.parse(Buffer.from(r.Payload ?? []).toString()) as Answer;
    // The worker pod's function joined the trace: X-Ray's Root is the same id.
    expect(answer.trace).toMatch(
      new RegExp(
        `^Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=[0-9a-f]{16};Sampled=1$`,
      ),
    );
    const spans = await eventually(
      () => {
        const got = (collector?.spans() ?? []).filter((x) => x.traceId === traceId);
        const names = new Set(got.map((x) => x.name));
        return ['Invoke', 'admission', 'invoke'].every((n) => names.has(n)) ? got : undefined;
      },
      { what: `the spans of trace ${traceId}`, timeoutMs: 60_000, intervalMs: 500 },
    );
    const one = (name: string): Span => {
      const found = spans.find((x) => x.name === name);
      if (found === undefined) throw new Error(`no ${name} span`);
      return found;
    };
    const invoke = one('Invoke');
    expect(invoke.service).toBe('lamina-gateway');
    expect(invoke.parentSpanId).toBe(caller);
    expect(one('admission').parentSpanId).toBe(invoke.spanId);
    const run = one('invoke');
    expect(run.parentSpanId).toBe(invoke.spanId);
    // The function's Parent is the gateway's call to the worker pod.
    expect(answer.trace).toContain(`;Parent=${run.spanId};`);
    const ids = new Set(spans.map((x) => x.spanId));
    for (const x of spans) expect(ids.has(x.parentSpanId) || x.parentSpanId === caller).toBe(true);
    log(`trace ${traceId}: ${spans.map((x) => `${x.service}/${x.name}`).join(', ')}`);
  }, 120_000);

  it('LoggingConfig JSON reaches the worker pods: the Tail log is JSON platform records', async () => {
    const t0 = Date.now();
    const updated = await sdk().send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' },
      }),
    );
    expect(updated.LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'INFO' });
    await waitUntilFunctionUpdatedV2(
      { client: sdk(), maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    // Until the operator's rollout is through, an old pod may still answer in Text.
    const records = await orDiagnose(ns, () =>
      eventually(
        async () => {
          const out = await sdk().send(
            new InvokeCommand({ FunctionName: fn, LogType: 'Tail', Payload: Buffer.from('{}') }),
          );
          const lines = Buffer.from(out.LogResult ?? '', 'base64')
            .toString('utf8')
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as { type?: string; record?: Record<string, unknown> });
          return lines.some((l) => l.type === 'platform.report') ? lines : undefined;
        },
        { what: 'JSON platform records in the Tail log', timeoutMs: 180_000, intervalMs: 1000 },
      ),
    );
    expect(records.map((l) => l.type)).toEqual(['platform.start', 'platform.report']);
    expect(records[1]?.record).toMatchObject({ status: 'success', metrics: { memorySizeMB: 256 } });
    log(`LoggingConfig JSON in effect on the worker pods after ${String(Date.now() - t0)} ms`);
  }, 240_000);

  it('an Event invoke reaches the function: dispatcher pod → gateway Service → worker pod', async () => {
    const received = callbacks?.received ?? [];
    // The dispatcher calls the chart's http://<release>-gateway:80: cluster DNS and kube-proxy.
    const t0 = Date.now();
    const mark = uniqueName('event');
    const r = await sdk().send(
      new InvokeCommand({
        FunctionName: fn,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ mark, callback: callbacks?.url })),
      }),
    );
    expect(r.StatusCode).toBe(202);
    const got = await orDiagnose(ns, () =>
      eventually(
        () =>
          Promise.resolve(received.find((b) => (b as Answer).mark === mark) as Answer | undefined),
        { what: `the event ${mark} at the function`, timeoutMs: 60_000, intervalMs: 200 },
      ),
    );
    expect(got.uid).toBe(10001);
    log(`Event invoke reached the function in ${String(Date.now() - t0)} ms (pod ${got.pod})`);
  }, 240_000);

  it('DeleteFunction removes the worker Deployment', async () => {
    const t0 = Date.now();
    await sdk().send(new DeleteFunctionCommand({ FunctionName: fn }));
    await orDiagnose(ns, () =>
      eventually(
        async () => {
          const left = await ownedNames(ns, 'deployments,pods', fn);
          return left.length === 0 ? true : undefined;
        },
        { what: 'no worker Deployment or pod left', timeoutMs: 120_000, intervalMs: 500 },
      ),
    );
    const gone = await sdk()
      .send(new GetFunctionCommand({ FunctionName: fn }))
      .then(() => 'found')
      .catch((err: unknown) => (err as { name: string }).name);
    expect(gone).toBe('ResourceNotFoundException');
    log(`DeleteFunction → worker Deployment gone in ${String(Date.now() - t0)} ms`);
  }, 180_000);
});
