/**
 * Worker pods' network isolation, enforced for real (issue #18 item 6, ADR 0036): the test
 * node runs SIG Network's kube-network-policies (test/env/lib/netpol.sh), and the chart's own
 * NetworkPolicies (helm template, applied in the suite's namespace) keep a function's pod away
 * from Redis, Kafka and the API server, while invoke still works through the gateway. A function
 * annotated `lamina.dev/egress: platform` joins the chart's egress group `platform`, and the same
 * connections open.
 *
 * Redis and Kafka listen on 127.0.0.1, which no pod can reach with or without a policy; so the
 * suite forwards a port on the node bridge's address to each (plain TCP relays in this process),
 * and the allowed function's PING to Redis gets Redis's own PONG back. The apiserver is reached as
 * pods reach it, at the `kubernetes` Service address (10.0.0.1:443), DNATed to its loopback port
 * before the engine sees it.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';
import { ROOT, command, kubectlOk } from './support/cluster.js';
import {
  type ClusterLamina,
  NODE_BRIDGE_IP,
  startClusterLamina,
} from './support/cluster-lamina.js';
import { helmPath } from './support/in-cluster.js';

/** The engine's readiness (test/env/versions.sh NETPOL_METRICS_PORT, offset 0). */
const ENGINE_METRICS = 'http://127.0.0.1:19080/metrics';
const APISERVER_SERVICE = { host: '10.0.0.1', port: 443 };

const probe = makeZip({
  'index.js': `
const net = require('node:net');
function attempt(t) {
  return new Promise((resolve) => {
    const s = net.connect({ host: t.host, port: t.port });
    const done = (r) => { clearTimeout(timer); s.destroy(); resolve(r); };
    const timer = setTimeout(() => done({ error: 'TIMEOUT' }), 4000);
    s.on('error', (e) => done({ error: e.code }));
    s.on('connect', () => {
      if (t.send === undefined) return done({ connected: true });
      s.write(t.send);
      s.once('data', (d) => done({ connected: true, reply: d.toString('utf8').trim() }));
    });
  });
}
exports.handler = async (event) => {
  const out = {};
  for (const [name, t] of Object.entries(event)) out[name] = await attempt(t);
  return out;
};
`,
});

interface Target {
  host: string;
  port: number;
  send?: string;
}
interface Outcome {
  connected?: boolean;
  reply?: string;
  error?: string;
}

/** A TCP relay on the node bridge's address to a loopback service. */
async function relay(to: string): Promise<Server> {
  const [host, port] = to.split(':') as [string, string];
  const server = createServer((client) => {
    const upstream = createConnection({ host, port: Number(port) });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  server.listen(0, NODE_BRIDGE_IP);
  await once(server, 'listening');
  return server;
}

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

describe('cluster mode: NetworkPolicies isolate worker pods (kube-network-policies)', () => {
  let lamina: ClusterLamina;
  let targets: Record<string, Target>;
  /** What afterAll undoes, whatever beforeAll got to. */
  const undo: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    const engine = await fetch(ENGINE_METRICS).catch(() => undefined);
    if (engine?.ok !== true) {
      throw new Error(`kube-network-policies is not running (${ENGINE_METRICS}): test/env/up node`);
    }
    const redis = await relay(testEnv.require('REDIS_URL').replace(/^redis:\/\//, ''));
    undo.push(() => void redis.close());
    const kafka = await relay(testEnv.require('KAFKA_BROKERS').split(',')[0] ?? '');
    undo.push(() => void kafka.close());
    targets = {
      redis: { host: NODE_BRIDGE_IP, port: portOf(redis), send: 'PING\r\n' },
      kafka: { host: NODE_BRIDGE_IP, port: portOf(kafka) },
      apiserver: APISERVER_SERVICE,
    };
    lamina = await startClusterLamina({ name: 'netpol' });
    undo.unshift(() => lamina.stop());
    const apiserverPort = Number(
      new URL(process.env['KUBE_APISERVER_URL'] ?? 'https://127.0.0.1:16443').port,
    );
    const gatewayPort = Number(new URL(lamina.gateway.url).port);
    const host = (port: number) => ({
      to: [{ ipBlock: { cidr: `${NODE_BRIDGE_IP}/32` } }],
      ports: [{ port, protocol: 'TCP' }],
    });
    // The chart's policies for this namespace; the suite's gateway runs on the host, not in a
    // pod, so the workers' way to it is an ipBlock rule (workerEgress), as it would be for a
    // gateway outside the cluster.
    const values = {
      watchNamespace: lamina.ns,
      networkPolicy: {
        workerEgress: [host(gatewayPort)],
        egressGroups: {
          platform: [
            host(portOf(redis)),
            host(portOf(kafka)),
            {
              to: [{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '127.0.0.1/32' } }],
              ports: [
                { port: 443, protocol: 'TCP' },
                { port: apiserverPort, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'lamina-netpol-'));
    writeFileSync(join(dir, 'values.json'), JSON.stringify(values));
    const rendered = await command(await helmPath(), [
      'template',
      'lamina',
      join(ROOT, 'charts/lamina'),
      '-n',
      lamina.ns,
      '-f',
      join(dir, 'values.json'),
      '--show-only',
      'templates/networkpolicies.yaml',
    ]);
    if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
    await kubectlOk(['apply', '-n', lamina.ns, '-f', '-'], rendered.stdout);
  }, 900_000);

  afterAll(async () => {
    for (const step of undo) await step();
  }, 120_000);

  async function connections(fn: string): Promise<Record<string, Outcome>> {
    const out = await lamina.lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(targets) }),
    );
    const body = Buffer.from(out.Payload ?? []).toString('utf8');
    expect(out.FunctionError, body).toBeUndefined();
    return JSON.parse(body) as Record<string, Outcome>;
  }

  it('a function pod reaches neither Redis, Kafka nor the API server; invoke works', async () => {
    const fn = uniqueName('closed');
    await lamina.createFunction(fn, probe);
    const out = await connections(fn);
    expect(out['redis']).toEqual({ error: 'TIMEOUT' });
    expect(out['kafka']).toEqual({ error: 'TIMEOUT' });
    expect(out['apiserver']).toEqual({ error: 'TIMEOUT' });
  }, 300_000);

  it('with lamina.dev/egress naming an egress group that allows them, it reaches all three', async () => {
    const fn = uniqueName('open');
    await lamina.createFunction(fn, probe);
    await kubectlOk([
      'annotate',
      '-n',
      lamina.ns,
      'functions.lamina.dev',
      fn,
      'lamina.dev/egress=platform',
    ]);
    // The operator rolls the pods with the group's label; the gateway uses the new one once
    // the old one is gone.
    const out = await eventually(
      async () => {
        const r = await connections(fn);
        return r['redis']?.connected === true ? r : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
    expect(out['redis']).toEqual({ connected: true, reply: '+PONG' });
    expect(out['kafka']).toEqual({ connected: true });
    expect(out['apiserver']).toEqual({ connected: true });
    const pods = await kubectlOk([
      'get',
      'pods',
      '-n',
      lamina.ns,
      '-l',
      `lamina.dev/function=${fn},egress.lamina.dev/platform=allow`,
      '-o',
      'name',
    ]);
    expect(pods.trim()).not.toBe('');
  }, 300_000);

  it("VpcConfig's security groups name the egress groups (ADR 0039): set through the API, then removed", async () => {
    const fn = uniqueName('vpc');
    await lamina.createFunction(fn, probe, {
      VpcConfig: { SubnetIds: ['subnet-a'], SecurityGroupIds: ['sg-platform'] },
    });
    const conf = await lamina.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: fn }),
    );
    expect(conf.VpcConfig).toEqual({
      SubnetIds: ['subnet-a'],
      SecurityGroupIds: ['sg-platform'],
      VpcId: 'vpc-lamina',
      Ipv6AllowedForDualStack: false,
    });
    const annotation = await kubectlOk([
      'get', '-n', lamina.ns, 'functions.lamina.dev', fn,
      '-o', "jsonpath={.metadata.annotations['lamina\\.dev/egress']}",
    ]); // prettier-ignore
    expect(annotation.trim()).toBe('platform');
    const open = await eventually(
      async () => {
        const r = await connections(fn);
        return r['redis']?.connected === true ? r : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
    expect(open['redis']).toEqual({ connected: true, reply: '+PONG' });

    await lamina.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
      }),
    );
    await waitUntilFunctionUpdatedV2(
      { client: lamina.lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const after = await lamina.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: fn }),
    );
    expect(after.VpcConfig).toBeUndefined();
    const closed = await eventually(
      async () => {
        const r = await connections(fn);
        return r['redis']?.error === 'TIMEOUT' ? r : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
    expect(closed['kafka']).toEqual({ error: 'TIMEOUT' });
  }, 420_000);
});
