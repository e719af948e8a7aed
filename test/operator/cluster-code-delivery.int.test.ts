import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { CODE_TOKEN_HEADER, codeToken } from '@lamina/core';
import { testEnv } from '@lamina/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadClusterConfig } from '../../services/gateway/src/cluster-config.js';
import { type ClusterGatewayHandle, startClusterGateway } from '../../services/gateway/src/main.js';
import { lambdaClient } from '../support/lambda-client.js';
import {
  ROOT,
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

// Code delivery over HTTP on the real node (issue #15): no code volume is shared. The cluster
// gateway (in this process) listens on the node bridge's address, which the pods reach; the operator
// (a real process) gives each worker pod an emptyDir, the gateway's URL and its own code token;
// the pod's agent downloads, verifies and unpacks its code, initialises the runtime, and only
// then turns ready, so the first call is warm.

const SECRET = 'cluster-code-delivery-test-secret';

function zipOf(source: string): Uint8Array {
  const dir = mkdtempSync(join(ROOT, 'test/env/out/zip-'));
  try {
    writeFileSync(join(dir, 'index.mjs'), source);
    return execFileSync('zip', ['-q', '-X', '-', 'index.mjs'], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('cluster mode with code over HTTP', () => {
  const fn = 'fetched';
  let ns = '';
  let stateDir = '';
  let operator: OperatorProcess | undefined;
  let gateway: ClusterGatewayHandle | undefined;
  let lambda: LambdaClient;
  const zip = zipOf(
    `export const handler = async () => ({ code: 'fetched', cwd: process.cwd() });\n`,
  );
  const hex = createHash('sha256').update(zip).digest('hex');

  beforeAll(async () => {
    testEnv.require('LAMINA_TEST_NODE');
    // The node bridge's own address (test/env/versions.sh NODE_IP): the pods' gateway to this host.
    const host = '10.213.0.1';
    const [image] = await Promise.all([workerImage('nodejs22.x'), installCrds(), buildOperator()]);
    ns = await createNamespace('code');
    stateDir = mkdtempSync(join(ROOT, 'test/env/out/code-'));
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
        LAMINA_REDIS_PREFIX: `code-${ns}`,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
      }),
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    operator = startOperator({
      namespace: ns,
      identity: 'op-code',
      env: {
        LAMINA_WORKER_IMAGE_PREFIX: image.prefix,
        LAMINA_WORKER_IMAGE_TAG: image.tag,
        LAMINA_WORKER_CODE_DELIVERY: 'http',
        LAMINA_WORKER_CODE_URL: gateway.url,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        LAMINA_LOG_LEVEL: 'info',
      },
    });
    lambda = lambdaClient(gateway.url);
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

  it('a pod fetches its own code into its own volume and serves its first call warm', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: 512,
        Code: { ZipFile: zip },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const r = await lambda.send(new InvokeCommand({ FunctionName: fn, LogType: 'Tail' }));
    expect(JSON.parse(new TextDecoder().decode(r.Payload))).toEqual({
      code: 'fetched',
      cwd: `/var/lamina/code-cache/${hex}`,
    });
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/^REPORT RequestId: /m);
    // Init ran when the pod started, before it was ready.
    expect(log).not.toContain('Init Duration');

    const spec = JSON.parse(
      await kubectlOk([
        'get',
        'deployments',
        '-n',
        ns,
        '-l',
        `lamina.dev/function=${fn}`,
        '-o',
        'json',
      ]),
    ) as { items: { spec: { template: { spec: { volumes: Record<string, unknown>[] } } } }[] };
    const volumes = spec.items[0]?.spec.template.spec.volumes ?? [];
    expect(volumes.some((v) => 'persistentVolumeClaim' in v)).toBe(false);
    expect(volumes).toContainEqual({ name: 'code', emptyDir: { sizeLimit: '250Mi' } });
  }, 300_000);

  it("the code route serves a package only with that package's token", async () => {
    const url = `${gateway?.url ?? ''}/lamina/v1/code/${hex}`;
    expect((await fetch(url)).status).toBe(404);
    const other = await fetch(url, {
      headers: { [CODE_TOKEN_HEADER]: codeToken(SECRET, 'a'.repeat(64)) },
    });
    expect(other.status).toBe(404);
    const own = await fetch(url, { headers: { [CODE_TOKEN_HEADER]: codeToken(SECRET, hex) } });
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(Buffer.from(zip))).toBe(true);
  });
});
