import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  InvokeCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { testEnv } from '@lamina/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadClusterConfig } from '../../services/gateway/src/cluster-config.js';
import { type ClusterGatewayHandle, startClusterGateway } from '../../services/gateway/src/main.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';
import {
  buildOperator,
  createNamespace,
  deleteNamespace,
  installCrds,
  kubectl,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './support/cluster.js';
import { workerImage } from './support/worker-image.js';

// What a worker pod's environment gets on the real node (issue #17). Layers (ADR 0020): the
// cluster gateway (in this process) keeps the layer as a LayerVersion resource and its zip in the
// code store; the operator gives the worker pod the layers' hashes and tokens and an emptyDir at
// /opt; the pod's agent fetches each layer like its code and merges them into /opt before the
// runtime starts. Credentials: the Secret mapped to the function's role (LAMINA_ROLE_CREDENTIALS),
// clearly fake values for a role without one.

const SECRET = 'cluster-layers-test-secret';
const MAPPED_ROLE = 'arn:aws:iam::123456789012:role/mapped';

const layerZip = (tag: string): Buffer =>
  makeZip({
    'nodejs/node_modules/greeting/index.js': `exports.greet = (who) => 'hello ' + who + ' from ${tag}';\n`,
    'bin/marker.txt': tag,
  });

const code = makeZip({
  'index.js': `
const { greet } = require('greeting');
const fs = require('node:fs');
exports.handler = async () => ({
  message: greet('pod'),
  marker: fs.readFileSync('/opt/bin/marker.txt', 'utf8'),
  color: process.env.COLOR ?? null,
  key: process.env.AWS_ACCESS_KEY_ID,
  token: process.env.AWS_SESSION_TOKEN ?? null,
});
`,
});

describe("cluster mode: a worker pod's environment (layers in /opt, role credentials)", () => {
  const fn = 'layered';
  let ns = '';
  let stateDir = '';
  let operator: OperatorProcess | undefined;
  let gateway: ClusterGatewayHandle | undefined;
  let lambda: LambdaClient | undefined;

  beforeAll(async () => {
    testEnv.require('LAMINA_TEST_NODE');
    // The node bridge's own address (test/env/versions.sh NODE_IP): the pods' gateway to this host.
    const host = '10.213.0.1';
    const [image] = await Promise.all([workerImage('nodejs22.x'), installCrds(), buildOperator()]);
    ns = await createNamespace('layers');
    await kubectlOk([
      'create',
      'secret',
      'generic',
      'mapped-credentials',
      '-n',
      ns,
      '--from-literal=AWS_ACCESS_KEY_ID=ASIACLUSTEREXAMPLE00',
      '--from-literal=AWS_SECRET_ACCESS_KEY=cluster-secret',
      '--from-literal=AWS_SESSION_TOKEN=cluster-token',
    ]);
    // Code goes over HTTP: the store needs no place the node can see.
    stateDir = mkdtempSync(join(tmpdir(), 'lamina-layers-'));
    const kc = new KubeConfig();
    kc.loadFromDefault();
    gateway = await startClusterGateway({
      config: loadClusterConfig({
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_HOST: host,
        LAMINA_PORT: '0',
        LAMINA_NAMESPACE: ns,
        LAMINA_CODE_DIR: stateDir,
        LAMINA_STATE_DIR: stateDir,
        LAMINA_REDIS_PREFIX: `layers-${ns}`,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
      }),
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    operator = startOperator({
      namespace: ns,
      identity: 'op-layers',
      env: {
        LAMINA_WORKER_IMAGE_PREFIX: image.prefix,
        LAMINA_WORKER_IMAGE_TAG: image.tag,
        LAMINA_WORKER_CODE_DELIVERY: 'http',
        LAMINA_WORKER_CODE_URL: gateway.url,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        LAMINA_ROLE_CREDENTIALS: JSON.stringify({ [MAPPED_ROLE]: 'mapped-credentials' }),
        LAMINA_LOG_LEVEL: 'info',
      },
    });
    lambda = lambdaClient(gateway.url);
  }, 600_000);

  afterAll(async () => {
    lambda?.destroy();
    await kubectl(['delete', 'functions.lamina.dev', '--all', '-n', ns, '--timeout=60s']);
    if (operator?.child.exitCode === null) {
      operator.child.kill('SIGTERM');
      await operator.exited;
    }
    await gateway?.stop();
    await deleteNamespace(ns);
    if (stateDir !== '') rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  const client = (): LambdaClient => {
    if (lambda === undefined) throw new Error('no gateway');
    return lambda;
  };

  const invoke = async (name = fn): Promise<Record<string, unknown>> => {
    const r = await client().send(new InvokeCommand({ FunctionName: name }));
    const text = new TextDecoder().decode(r.Payload);
    expect(r.FunctionError, text).toBeUndefined();
    return JSON.parse(text) as Record<string, unknown>;
  };

  it('merges two layers in order into /opt, and keeps running after DeleteLayerVersion', async () => {
    const first = await client().send(
      new PublishLayerVersionCommand({ LayerName: 'first', Content: { ZipFile: layerZip('a') } }),
    );
    const second = await client().send(
      new PublishLayerVersionCommand({ LayerName: 'second', Content: { ZipFile: layerZip('b') } }),
    );
    expect(second.LayerVersionArn).toMatch(/:layer:second:1$/);
    const resources = await kubectlOk(['get', 'layerversions.lamina.dev', '-n', ns, '-o', 'name']);
    expect(resources.trim().split('\n')).toHaveLength(2);

    await client().send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: 256,
        Code: { ZipFile: code },
        Layers: [first.LayerVersionArn ?? '', second.LayerVersionArn ?? ''],
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: client(), maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    expect(await invoke()).toEqual({
      message: 'hello pod from b',
      marker: 'b',
      color: null,
      // Its role has no credentials mapped: clearly fake ones.
      key: 'LAMINAFAKEACCESSKEY0',
      token: 'lamina-fake-session-token',
    });

    // The layer versions go; a new pod (new environment values) still gets their content.
    for (const name of ['first', 'second'])
      await client().send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: 1 }));
    await client().send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        Environment: { Variables: { COLOR: 'green' } },
      }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: client(), maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    await expect
      .poll(async () => (await invoke())['color'], { timeout: 120_000, interval: 1000 })
      .toBe('green');
    expect(await invoke()).toMatchObject({ message: 'hello pod from b', marker: 'b' });
  }, 420_000);

  it('gives a function the credentials of the Secret mapped to its role', async () => {
    const name = 'credentialed';
    await client().send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: MAPPED_ROLE,
        MemorySize: 256,
        Code: {
          ZipFile: makeZip({
            'index.js':
              'exports.handler = async () => ({ key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN });',
          }),
        },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: client(), maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: name },
    );
    expect(await invoke(name)).toEqual({
      key: 'ASIACLUSTEREXAMPLE00',
      secret: 'cluster-secret',
      token: 'cluster-token',
    });
  }, 300_000);
});
