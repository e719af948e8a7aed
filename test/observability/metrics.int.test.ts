/**
 * Issue #22 item 2 against a real Prometheus (Debian's build, unpacked by test/env): a scripted
 * workload on `lamina dev` (sync calls that succeed, fail and are throttled; async events that
 * retry, are dropped and whose dead-letter and destination deliveries fail; a Kafka mapping),
 * scraped every second, then every query of the shipped Grafana dashboard and every alert rule's
 * expression returns data, `promtool` accepts the rules, and the alerts whose conditions the
 * workload meets (throttling, error rate, DLQ and destination failures, dropped events) are
 * pending or firing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetProvisionedConcurrencyConfigCommand,
  type LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import type { Admin, Kafka } from 'kafkajs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  allCommitted,
  brokers,
  createMapping,
  createOrderFunction,
  createTopic,
  kafkaClient,
  produceKeyed,
} from '../kafka/support/kafka-harness.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';
import { binary, type Prometheus, startPrometheus } from './support/observability-harness.js';

const CHART = new URL('../../charts/lamina/', import.meta.url);
const RULES = new URL('rules/lamina-alerts.yaml', CHART).pathname;
const DASHBOARD = new URL('dashboards/lamina-functions.json', CHART).pathname;

const HANDLER = `
exports.handler = async (event) => {
  if (event.fail) throw new Error('asked to fail');
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return { ok: true };
};
`;

interface Rule {
  readonly alert: string;
  readonly expr: string;
}

const rules = (): Rule[] =>
  (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );

/** Every PromQL expression of the dashboard, with Grafana's variables filled in. */
function dashboardQueries(): { title: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return dash.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      title: p.title,
      expr: t.expr.replaceAll('$function', '.*').replaceAll('$__rate_interval', '1m'),
    })),
  );
}

/** A rule's expression without its threshold: the signal the alert compares. */
const signalOf = (expr: string): string => expr.replace(/\s*>\s*[\d.e+]+\s*$/, '');

describe('metrics: the shipped dashboard and alert rules on a real Prometheus', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let kafka: Kafka;
  let admin: Admin;
  let prometheus: Prometheus;

  async function createFunction(timeout = 30): Promise<string> {
    const name = uniqueName('metrics');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ 'index.js': HANDLER }) },
        Timeout: timeout,
      }),
    );
    return name;
  }

  const invoke = (fn: string, payload: unknown, type?: 'Event') =>
    fetch(`${lamina.url}/2015-03-31/functions/${fn}/invocations`, {
      method: 'POST',
      headers: type === undefined ? {} : { 'X-Amz-Invocation-Type': type },
      body: JSON.stringify(payload),
    });

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('metrics'),
        KAFKA_BROKERS: brokers.join(','),
        LAMINA_SANDBOX: 'off',
        LAMINA_ASYNC_RETRY_DELAYS_MS: '200,200',
        LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
      },
    });
    client = lambdaClient(lamina.url);
    kafka = kafkaClient();
    admin = kafka.admin();
    await admin.connect();
    prometheus = await startPrometheus([new URL(lamina.url).host], [RULES]);
  }, 120_000);

  afterAll(async () => {
    client.destroy();
    await admin.disconnect();
    await prometheus.stop();
    await lamina.stop();
  });

  it('promtool accepts the shipped rules', () => {
    const out = execFileSync(binary('promtool'), ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toContain(`SUCCESS: ${String(rules().length)} rules found`);
  });

  it('every dashboard query and every alert expression returns data for a scripted workload', async () => {
    // Sync: successes (a cold start, then warm), function errors, throttles.
    const ok = await createFunction();
    for (let i = 0; i < 5; i++) expect((await invoke(ok, {})).status).toBe(200);
    const failing = await createFunction();
    for (let i = 0; i < 3; i++) {
      const res = await invoke(failing, { fail: true });
      expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    }
    const throttled = await createFunction();
    await client.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: throttled,
        ReservedConcurrentExecutions: 0,
      }),
    );
    for (let i = 0; i < 2; i++) expect((await invoke(throttled, {})).status).toBe(429);

    // Versions, an alias with provisioned concurrency: calls on it (Resource `name:live`), and
    // more at once than is provisioned (the rest spill over to on-demand environments).
    const provisioned = await createFunction();
    const { Version } = await client.send(new PublishVersionCommand({ FunctionName: provisioned }));
    await client.send(
      new CreateAliasCommand({ FunctionName: provisioned, Name: 'live', FunctionVersion: Version }),
    );
    await client.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: provisioned,
        Qualifier: 'live',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    await eventually(
      async () => {
        const c = await client.send(
          new GetProvisionedConcurrencyConfigCommand({
            FunctionName: provisioned,
            Qualifier: 'live',
          }),
        );
        return c.Status === 'READY';
      },
      { what: 'provisioned concurrency READY' },
    );
    expect((await invoke(`${provisioned}:live`, {})).status).toBe(200);
    const burst = await Promise.all(
      [0, 1, 2].map(() => invoke(`${provisioned}:live`, { sleepMs: 500 })),
    );
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await invoke(`${provisioned}:${Version ?? ''}`, {})).status).toBe(200);

    // Async: one retry, then dropped; the dead-letter target and the destination do not exist.
    const missing = `arn:aws:lambda:us-east-1:000000000000:function:${uniqueName('missing')}`;
    const dropped = uniqueName('metrics');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: dropped,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ 'index.js': HANDLER }) },
        DeadLetterConfig: { TargetArn: missing },
      }),
    );
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: dropped,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: missing } },
      }),
    );
    expect((await invoke(dropped, { fail: true }, 'Event')).status).toBe(202);
    // A long event keeps the queue depth non-empty while Prometheus is asked.
    const slow = await createFunction(120);
    expect((await invoke(slow, { sleepMs: 90_000 }, 'Event')).status).toBe(202);

    // Kafka: a mapping that reads a topic to its end.
    const topic = uniqueName('metrics');
    await createTopic(admin, topic, 1);
    const high = await produceKeyed(kafka, topic, 20);
    const fn = await createOrderFunction(client);
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 5,
    });
    await allCommitted(admin, uuid, topic, high);

    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(15);
    const all = [
      ...queries.map((q) => ({ what: `dashboard "${q.title}"`, expr: q.expr })),
      ...rules().map((r) => ({ what: `rule ${r.alert}`, expr: signalOf(r.expr) })),
    ];
    await eventually(
      async () => {
        const empty: string[] = [];
        for (const q of all) if ((await prometheus.query(q.expr)).length === 0) empty.push(q.what);
        if (empty.length > 0) throw new Error(`no data yet: ${empty.join('; ')}`);
        return true;
      },
      {
        what: 'data for every dashboard query and alert expression',
        timeoutMs: 90_000,
        intervalMs: 2000,
      },
    );

    // Failures go on: a counter's first sample is not an increase (Prometheus cannot tell a new
    // series from a restart), so the alerts see the second round, once the series exist.
    for (let i = 0; i < 2; i++) expect((await invoke(throttled, {})).status).toBe(429);
    for (let i = 0; i < 2; i++) {
      expect((await invoke(failing, { fail: true })).headers.get('x-amz-function-error')).toBe(
        'Unhandled',
      );
    }
    expect((await invoke(dropped, { fail: true }, 'Event')).status).toBe(202);

    // The alerts whose conditions the workload meets leave `inactive`.
    const expected = [
      'LaminaFunctionThrottled',
      'LaminaFunctionErrorRate',
      'LaminaDeadLetterErrors',
      'LaminaDestinationDeliveryFailures',
      'LaminaAsyncEventsDropped',
    ];
    await eventually(
      async () => {
        const res = await fetch(`${prometheus.url}/api/v1/rules?type=alert`);
        const body = (await res.json()) as {
          data: { groups: { rules: { name: string; state: string; health: string }[] }[] };
        };
        const states = new Map(body.data.groups.flatMap((g) => g.rules).map((r) => [r.name, r]));
        for (const r of states.values()) expect(r.health, r.name).toBe('ok');
        const quiet = expected.filter((n) => (states.get(n)?.state ?? 'inactive') === 'inactive');
        if (quiet.length > 0) throw new Error(`still inactive: ${quiet.join(', ')}`);
        return true;
      },
      { what: 'the workload’s alerts pending or firing', timeoutMs: 60_000, intervalMs: 1000 },
    );
  }, 300_000);
});
