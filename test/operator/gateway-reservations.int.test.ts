import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadClusterConfig } from '../../services/gateway/src/cluster-config.js';
import { type ClusterGatewayHandle, startClusterGateway } from '../../services/gateway/src/main.js';
import { createNamespace, deleteNamespace, installCrds, kubectlOk } from './support/cluster.js';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

// A Function's spec.reservedConcurrency applied with kubectl is enforced by every gateway
// replica (issue 14): two cluster-mode gateways in this process share one Redis and one
// namespace of the real API server. No operator or worker pods run here: the function's status
// is patched to Active (as the operator would) so Invoke reaches admission; once admission lets
// a call through, it fails for lack of a pod (502 after the shortened cold-start wait).

interface Outcome {
  readonly name: string;
  readonly status: number;
  readonly reason: string | undefined;
}

async function invokeOutcome(lambda: LambdaClient, name: string): Promise<Outcome> {
  try {
    await lambda.send(new InvokeCommand({ FunctionName: name }));
    return { name: 'ok', status: 200, reason: undefined };
  } catch (err) {
    const e = err as { name: string; Reason?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode ?? 0, reason: e.Reason };
  }
}

describe('reserved concurrency applied with kubectl, enforced in cluster mode', () => {
  let ns = '';
  let codeDir = '';
  const gateways: ClusterGatewayHandle[] = [];
  const clients: LambdaClient[] = [];
  // Reservations are keyed by function name in Redis: a name no other suite uses.
  const fn = uniqueName('reserved');

  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('gw-res');
    codeDir = mkdtempSync(join(tmpdir(), 'gw-res-code-'));
    const config = loadClusterConfig({
      REDIS_URL: testEnv.require('REDIS_URL'),
      LAMINA_PORT: '0',
      LAMINA_NAMESPACE: ns,
      LAMINA_CODE_DIR: codeDir,
      LAMINA_STATE_DIR: codeDir,
      LAMINA_REDIS_PREFIX: uniqueName('gw-res'),
      LAMINA_COLD_START_WAIT_MS: '500',
    });
    const kc = new KubeConfig();
    kc.loadFromDefault();
    for (let i = 0; i < 2; i++) {
      const logger = pino({ level: 'silent' });
      const gateway = await startClusterGateway({ config, kubeConfig: kc, namespace: ns, logger });
      gateways.push(gateway);
      clients.push(
        new LambdaClient({
          endpoint: gateway.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          maxAttempts: 1,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(gateways.map((g) => g.stop()));
    if (ns !== '') {
      await kubectlOk(['delete', 'functions.lamina.dev', fn, '-n', ns, '--ignore-not-found']);
      await deleteNamespace(ns);
    }
    rmSync(codeDir, { recursive: true, force: true });
  });

  const apply = (reserved: number) =>
    kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${fn}
spec:
  runtime: nodejs22.x
  handler: index.handler
  reservedConcurrency: ${String(reserved)}
  code:
    sha256: ${'e'.repeat(64)}
`,
    );

  it('reservedConcurrency 0 throttles every replica with Lambda 429 and its reason', async () => {
    await apply(0);
    await kubectlOk([
      ...['patch', 'functions.lamina.dev', fn, '-n', ns, '--subresource=status'],
      ...['--type=merge', '-p', '{"status":{"state":"Active"}}'],
    ]);
    for (const [i, lambda] of clients.entries()) {
      const throttled = await eventually(
        async () => {
          const out = await invokeOutcome(lambda, fn);
          return out.status === 429 ? out : undefined;
        },
        { what: `429 from gateway ${String(i)}` },
      );
      expect(throttled).toEqual({
        name: 'TooManyRequestsException',
        status: 429,
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
  });

  it('raised to 1, admission lets the call through on every replica (no pod: 502)', async () => {
    await apply(1);
    for (const [i, lambda] of clients.entries()) {
      const admitted = await eventually(
        async () => {
          const out = await invokeOutcome(lambda, fn);
          return out.status === 429 ? undefined : out;
        },
        { what: `admission passed on gateway ${String(i)}` },
      );
      expect(admitted).toMatchObject({ name: 'ResourceNotReadyException', status: 502 });
    }
  });
});
