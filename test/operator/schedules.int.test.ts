import { createServer, type Server } from 'node:http';

import { scheduleKeys } from '@lamina/core';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig as loadDispatcherConfig } from '../../services/dispatcher/src/config.js';
import {
  type DispatcherHandle,
  startDispatcher,
} from '../../services/dispatcher/src/start-dispatcher.js';
import {
  buildOperator,
  createNamespace,
  deleteNamespace,
  getJson,
  installCrds,
  kubectlOk,
  type OperatorProcess,
  startOperator,
} from './support/cluster.js';

// Cluster mode, issue 19: a Schedule applied with kubectl is mirrored by the operator (a real
// process, against the real API server) into the Redis store the scheduler runner reads; the
// runner (a dispatcher in this process) sends the tick as an Event invoke to the gateway. The
// gateway here is a recording stand-in: the async path from an Event invoke to a worker pod is
// the one every async event takes (test/async, test/operator/cluster-invoke).

interface ScheduleObject {
  status?: { nextRun?: string; lastRun?: string; arn?: string; problem?: string };
}

interface EventInvoke {
  readonly path: string;
  readonly type: string | undefined;
  readonly body: string;
}

describe('cluster mode: a Schedule resource fires through the scheduler runner', () => {
  const prefix = uniqueName('schedk');
  const keys = scheduleKeys(prefix);
  let ns = '';
  let operator: OperatorProcess;
  let dispatcher: DispatcherHandle;
  let redis: Redis;
  let server: Server;
  const invokes: EventInvoke[] = [];

  const schedule = (name: string) =>
    getJson<ScheduleObject>(['get', 'schedules.lamina.dev', name, '-n', ns]);

  beforeAll(async () => {
    await Promise.all([installCrds(), buildOperator()]);
    ns = await createNamespace('sched');
    redis = new Redis(testEnv.require('REDIS_URL'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const type = req.headers['x-amz-invocation-type'];
        invokes.push({
          path: decodeURIComponent(req.url ?? ''),
          type: typeof type === 'string' ? type : undefined,
          body,
        });
        res.writeHead(202, { 'Content-Length': 0 }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const gatewayUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    operator = startOperator({
      namespace: ns,
      identity: 'op-sched',
      env: {
        LAMINA_REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_MAPPING_SYNC_INTERVAL_MS: '300',
      },
    });
    dispatcher = await startDispatcher({
      config: loadDispatcherConfig({
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_GATEWAY_URL: gatewayUrl,
        LAMINA_SCHEDULER_INTERVAL_MS: '250',
      }),
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
    });
  }, 180_000);

  afterAll(async () => {
    await dispatcher.stop();
    if (operator.child.exitCode === null) operator.child.kill('SIGTERM');
    await operator.exited;
    server.close();
    await redis.quit();
    await deleteNamespace(ns);
  });

  it('kubectl apply: mirrored, fired once with its input, NEXT and LAST in status, removed on delete', async () => {
    const at = new Date(Date.now() + 8000).toISOString().slice(0, 19);
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: once }
spec:
  scheduleExpression: "at(${at})"
  target: { functionName: "hello:live", input: '{"from":"kubectl"}' }
---
apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: yearly }
spec:
  scheduleExpression: "cron(0 0 1 1 ? 2099)"
  scheduleExpressionTimezone: Europe/Berlin
  target: { functionName: hello }
`,
    );
    const yearly = await eventually(
      async () => ((await schedule('yearly'))?.status?.nextRun === undefined ? undefined : true),
      { what: 'nextRun of the yearly schedule', timeoutMs: 30_000 },
    );
    expect(yearly).toBe(true);
    expect((await schedule('yearly'))?.status).toMatchObject({
      nextRun: '2098-12-31T23:00:00.000Z',
      arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${ns}/yearly`,
    });
    expect(await redis.hget(keys.schedules, `${ns}/once`)).not.toBeNull();

    await eventually(() => (invokes.length >= 1 ? true : undefined), {
      what: 'the tick of the at() schedule',
      timeoutMs: 30_000,
    });
    expect(invokes).toEqual([
      {
        path: '/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello:live/invocations',
        type: 'Event',
        body: '{"from":"kubectl"}',
      },
    ]);
    const last = await eventually(async () => (await schedule('once'))?.status?.lastRun, {
      what: 'lastRun in status',
      timeoutMs: 30_000,
    });
    expect(last).toBe(`${at}.000Z`);
    const columns = await kubectlOk(['get', 'schedules.lamina.dev', '-n', ns]);
    expect(columns).toMatch(/NAME\s+EXPRESSION\s+FUNCTION\s+STATE\s+NEXT\s+LAST/);

    await kubectlOk(['delete', 'schedules.lamina.dev', 'once', '-n', ns]);
    await eventually(
      async () => ((await redis.hget(keys.schedules, `${ns}/once`)) === null ? true : undefined),
      { what: 'the deleted schedule gone from the runners store' },
    );
    expect(invokes).toHaveLength(1);
  });
});
