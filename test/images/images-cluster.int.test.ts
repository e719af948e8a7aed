import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CreateFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import {
  createNamespace,
  deleteNamespace,
  getJson,
  installCrds,
} from '../operator/support/cluster.js';
import { makeZip } from '../support/zip.js';
import { chartContainer, type ChartContainer } from './chart.js';
import { bridgeGateway, forward, run, startRedis } from './docker.js';
import { type Container, Images, type Service } from './images.js';

// lamina/gateway and lamina/operator as the chart runs them (see images.int.test.ts), against
// the test env's API server: a forwarder on the docker bridge's address reaches its loopback
// port, the admin kubeconfig is mounted read-only with that address as the server (TLS checked
// against the certificate's `localhost`). The gateway takes the Lambda API (Function resources,
// code on its emptyDir, the Redis Lua scripts next to its bundle); the operator wins its Lease and
// turns the Function into the worker Deployment.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const haveDocker = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
const kubeconfig = testEnv.optional('KUBECONFIG');
const haveKube = kubeconfig !== undefined && existsSync(kubeconfig);
const runId = randomBytes(4).toString('hex');
const TAG = `0.1.0-test.${runId}`;
interface DeploymentJson {
  spec: { template: { spec: { containers: { image: string }[] } } };
}

const reason = !haveDocker ? '`docker info` failed, no Docker' : 'no KUBECONFIG (test/env/up kube)';

describe.skipIf(!haveDocker || !haveKube)(
  haveDocker && haveKube
    ? 'platform images against the API server'
    : `platform images against the API server (skipped: ${reason})`,
  () => {
    let ns = '';
    let dir = '';
    let images: Images;
    let chart: Record<'gateway' | 'operator', ChartContainer>;
    let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
    let apiserver: Awaited<ReturnType<typeof forward>> | undefined;
    const running: Container[] = [];

    beforeAll(async () => {
      const build = run(join(ROOT, 'images/build.sh'), ['gateway', 'operator'], {
        PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
        LAMINA_IMAGE_TAG: TAG,
      });
      const [host] = await Promise.all([bridgeGateway(), installCrds()]);
      ns = await createNamespace('images');
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig ?? '');
      const cluster = kc.getCurrentCluster();
      if (cluster === null) throw new Error(`${kubeconfig ?? ''}: no current cluster`);
      const server = new URL(cluster.server);
      [redis, apiserver] = await Promise.all([
        startRedis(host),
        forward(host, { host: server.hostname, port: Number(server.port || 443) }),
      ]);
      const inContainer = new KubeConfig();
      inContainer.loadFromOptions({
        clusters: [
          { ...cluster, server: `https://${host}:${apiserver.port}`, tlsServerName: 'localhost' },
        ],
        users: kc.getUsers(),
        contexts: kc.getContexts(),
        currentContext: kc.getCurrentContext(),
      });
      // Readable by uid 10001 in the container; removed in afterAll.
      dir = mkdtempSync(join(tmpdir(), 'lamina-images-kube-'));
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'kubeconfig'), inContainer.exportConfig(), { mode: 0o644 });

      const fields = { 'metadata.namespace': ns, 'metadata.name': `op-${runId}` };
      const manifests = join(ROOT, 'deploy/lamina.yaml');
      chart = {
        gateway: chartContainer(manifests, 'gateway', fields),
        operator: chartContainer(manifests, 'operator', fields),
      };
      images = new Images({ runId, tag: TAG, chart: chart as Record<Service, ChartContainer> });
      const built = await build;
      if (built.code !== 0) throw new Error(`images/build.sh failed:\n${built.stderr}`);
    }, 600_000);

    afterAll(async () => {
      await Promise.all(running.map((c) => c.stop()));
      await images.cleanUp();
      await Promise.all([redis?.stop(), apiserver?.close(), ns && deleteNamespace(ns)]);
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    const start = async (s: 'gateway' | 'operator', env: Record<string, string>) => {
      const c = await images.start(s, { ...chart[s].env, ...env, KUBECONFIG: '/etc/lamina/kube' }, [
        '-v', `${join(dir, 'kubeconfig')}:/etc/lamina/kube:ro`,
      ]); // prettier-ignore
      running.push(c);
      return c;
    };

    it('gateway takes the Lambda API; the operator leads and makes the worker Deployment', async () => {
      const gateway = await start('gateway', {
        REDIS_URL: redis?.url ?? '',
        LAMINA_NAMESPACE: ns,
        LAMINA_REDIS_PREFIX: `images-${runId}`,
        LAMINA_COLD_START_WAIT_MS: '1000',
        // The chart signs by default; this suite checks the images, helm-install and cluster-auth
        // check the signed gateway.
        LAMINA_AUTH: 'open',
      });
      await gateway.probe(chart.gateway.readinessPath);
      const lambda = lambdaClient(gateway.url);
      try {
        await lambda.send(
          new CreateFunctionCommand({
            FunctionName: 'hello',
            Runtime: 'nodejs22.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::000000000000:role/lambda',
            Code: { ZipFile: makeZip({ 'index.mjs': 'export const handler = async () => 1;\n' }) },
          }),
        );
        // set-reserved-2.lua and admit-n.lua, read from /opt/lamina/scripts at start.
        await lambda.send(
          new PutFunctionConcurrencyCommand({
            FunctionName: 'hello',
            ReservedConcurrentExecutions: 3,
          }),
        );
        const got = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'hello' }));
        expect(got.ReservedConcurrentExecutions).toBe(3);
        const outcome = (qualifier?: string) =>
          lambda
            .send(
              new InvokeCommand({
                FunctionName: 'hello',
                ...(qualifier ? { Qualifier: qualifier } : {}),
              }),
            )
            .then(
              () => 'ran',
              (err: unknown) => (err as { name: string }).name,
            );
        // $LATEST is Pending (no operator yet): invoke and PublishVersion are refused as Lambda
        // refuses them (ADR 0033).
        expect(await outcome()).toBe('ResourceConflictException');
        await expect(
          lambda.send(new PublishVersionCommand({ FunctionName: 'hello' })),
        ).rejects.toMatchObject({ name: 'ResourceConflictException' });
      } finally {
        lambda.destroy();
      }

      const operator = await start('operator', {
        LAMINA_WATCH_NAMESPACE: ns,
        // The chart's Redis Service does not exist here: the test's own Redis stands in for it.
        LAMINA_REDIS_URL: redis?.url ?? '',
        LAMINA_REDIS_PREFIX: `images-${runId}`,
      });
      await operator.probe(chart.operator.readinessPath);
      const leaseName = chart.operator.env['LAMINA_LEASE_NAME'] ?? '';
      const lease = await eventually(
        async () => {
          const l = await getJson<{ spec: { holderIdentity?: string } }>([
            'get',
            'lease',
            leaseName,
            '-n',
            ns,
          ]);
          return l?.spec.holderIdentity === `op-${runId}` ? l : undefined;
        },
        { what: 'the operator holds its Lease' },
      );
      expect(lease.spec.holderIdentity).toBe(`op-${runId}`);
      const deployment = await eventually(
        () => getJson<DeploymentJson>(['get', 'deployment', 'hello-latest', '-n', ns]),
        { what: 'deployment hello-latest' },
      );
      expect(deployment.spec.template.spec.containers[0]?.image).toBe(
        'lamina/worker-nodejs22:0.1.0',
      );

      for (const c of running.splice(0)) {
        const end = await c.stop();
        expect(end.exitCode, end.logs).toBe(0);
      }
    });
  },
);
