/**
 * Issue #22 item 1 against a real OpenTelemetry Collector (built from its Go modules by
 * test/env): `lamina dev` exporting over OTLP/HTTP gives one connected trace for a sync call,
 * for an async event with a retry and a destination, and for a Kafka batch; a function reading
 * `_X_AMZN_TRACE_ID` sees the caller's trace id, with the gateway's `invoke` span as Parent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  type LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import type { Admin, Kafka } from 'kafkajs';
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
import { type Collector, type Span, startCollector } from './support/observability-harness.js';

/** Answers the trace header it was given; fails the first time when `failOnce` names a new file. */
const HANDLER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  if (event.failOnce && !fs.existsSync(event.failOnce)) {
    fs.writeFileSync(event.failOnce, 'x');
    throw new Error('the first attempt fails');
  }
  return { traceHeader: process.env._X_AMZN_TRACE_ID ?? null };
};
`;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Every span of one trace, once its names include all of `names` (with their counts). */
async function traceOf(collector: Collector, traceId: string, names: Record<string, number>) {
  return eventually(
    () => {
      const spans = collector.spans().filter((s) => s.traceId === traceId);
      for (const [name, n] of Object.entries(names)) {
        const have = spans.filter((s) => s.name === name).length;
        if (have < n) throw new Error(`${name}: ${String(have)} of ${String(n)} spans so far`);
      }
      return spans;
    },
    { what: `the spans of trace ${traceId}`, timeoutMs: 60_000, intervalMs: 300 },
  );
}

/** Each span's parent is in the trace, or is the caller's own span: one connected tree. */
function expectConnected(spans: readonly Span[], callerSpanId: string): void {
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    expect(ids.has(s.parentSpanId) || s.parentSpanId === callerSpanId, `${s.name}'s parent`).toBe(
      true,
    );
  }
}

const one = (spans: readonly Span[], name: string): Span => {
  const s = spans.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no ${name} span`);
  return s;
};

describe('tracing: spans across every hop into a real OpenTelemetry Collector', () => {
  let collector: Collector;
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let kafka: Kafka;
  let admin: Admin;
  const dir = mkdtempSync(join(tmpdir(), 'lamina-tracing-'));

  async function createFunction(): Promise<string> {
    const name = uniqueName('traced');
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ 'index.js': HANDLER }) },
      }),
    );
    return name;
  }

  const invokeUrl = (fn: string) => `${lamina.url}/2015-03-31/functions/${fn}/invocations`;

  beforeAll(async () => {
    collector = await startCollector();
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('tracing'),
        KAFKA_BROKERS: brokers.join(','),
        // The failing-once handler marks a host file the sandbox would hide (ADR 0029).
        LAMINA_SANDBOX: 'off',
        LAMINA_ASYNC_RETRY_DELAYS_MS: '300,300',
        LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_SERVICE_NAME: 'lamina-test',
      },
    });
    client = lambdaClient(lamina.url);
    kafka = kafkaClient();
    admin = kafka.admin();
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    client.destroy();
    await admin.disconnect();
    await lamina.stop();
    await collector.stop();
  });

  it('a sync call under a W3C traceparent: Invoke, admission, invoke, environment; the function sees the trace', async () => {
    const fn = await createFunction();
    const traceId = hex(16);
    const caller = hex(8);
    const res = await fetch(invokeUrl(fn), {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-${caller}-01` },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const { traceHeader } = (await res.json()) as { traceHeader: string };
    const root = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
    expect(traceHeader).toMatch(new RegExp(`^${root};Parent=[0-9a-f]{16};Sampled=1$`));

    const spans = await traceOf(collector, traceId, { Invoke: 1, admission: 1, invoke: 1 });
    const invoke = one(spans, 'Invoke');
    expect(invoke.parentSpanId).toBe(caller);
    expect(invoke.service).toBe('lamina-test');
    expect(invoke.attributes['faas.invoked_name']).toBe(fn);
    expect(one(spans, 'admission').parentSpanId).toBe(invoke.spanId);
    const run = one(spans, 'invoke');
    expect(run.parentSpanId).toBe(invoke.spanId);
    // The function's Parent is the gateway's call to the environment.
    expect(traceHeader).toContain(`;Parent=${run.spanId};`);
    // A first call starts an environment: its phases hang under the call.
    expect(run.attributes['faas.coldstart']).toBe(true);
    expect(one(spans, 'environment').parentSpanId).toBe(run.spanId);
    expectConnected(spans, caller);
  }, 90_000);

  it('an async event under X-Amzn-Trace-Id: accepted, queued, two attempts (one retry), the destination', async () => {
    const fn = await createFunction();
    const queue = uniqueName('on-success');
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn,
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnSuccess: { Destination: `lamina:queue:${queue}` } },
      }),
    );
    const traceId = hex(16);
    const caller = hex(8);
    const res = await fetch(invokeUrl(fn), {
      method: 'POST',
      headers: {
        'X-Amz-Invocation-Type': 'Event',
        'X-Amzn-Trace-Id': `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${caller};Sampled=1`,
      },
      body: JSON.stringify({ failOnce: join(dir, uniqueName('marker')) }),
    });
    expect(res.status).toBe(202);

    const spans = await traceOf(collector, traceId, {
      'Invoke (Event)': 1,
      queue: 1,
      'async attempt': 2,
      Invoke: 2,
      destination: 1,
    });
    const accepted = one(spans, 'Invoke (Event)');
    expect(accepted.parentSpanId).toBe(caller);
    const queued = one(spans, 'queue');
    expect(queued.parentSpanId).toBe(accepted.spanId);
    const attempts = spans.filter((s) => s.name === 'async attempt');
    for (const a of attempts) expect(a.parentSpanId).toBe(queued.spanId);
    expect(attempts.map((a) => a.attributes['lamina.async.outcome']).sort()).toEqual([
      'function-error',
      'success',
    ]);
    // Each attempt's call through the gateway's Invoke API is a child of that attempt.
    const calls = spans.filter((s) => s.name === 'Invoke');
    expect(calls.map((c) => c.parentSpanId).sort()).toEqual(attempts.map((a) => a.spanId).sort());
    const success = attempts.find((a) => a.attributes['lamina.async.outcome'] === 'success');
    expect(one(spans, 'destination').parentSpanId).toBe(success?.spanId);
    expectConnected(spans, caller);
  }, 120_000);

  it('a Kafka batch: the batch, its invoke (the gateway joins under it) and its commit', async () => {
    const topic = uniqueName('traced');
    await createTopic(admin, topic, 1);
    const high = await produceKeyed(kafka, topic, 5);
    const fn = await createOrderFunction(client);
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 10,
    });
    await allCommitted(admin, uuid, topic, high);

    const batch = await eventually(
      () => {
        const b = collector
          .spans()
          .find(
            (s) => s.name === 'kafka batch' && s.attributes['messaging.destination.name'] === topic,
          );
        if (b === undefined) throw new Error('no batch span yet');
        return b;
      },
      { what: `a batch span of ${topic}`, timeoutMs: 60_000, intervalMs: 300 },
    );
    expect(batch.parentSpanId).toBe('');
    const spans = await traceOf(collector, batch.traceId, { invoke: 2, commit: 1, Invoke: 1 });
    // The poller's call (a child of the batch); the gateway's own `invoke` sits under `Invoke`.
    const invoke = spans.find((s) => s.name === 'invoke' && s.parentSpanId === batch.spanId);
    if (invoke === undefined) throw new Error('no invoke span under the batch');
    expect(one(spans, 'commit').parentSpanId).toBe(batch.spanId);
    expect(one(spans, 'Invoke').parentSpanId).toBe(invoke.spanId);
    expectConnected(spans, '');
  }, 120_000);
});
