import {
  DeleteFunctionConcurrencyCommand,
  InvokeCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import {
  createRecordingFunction,
  readQueue,
  type RecordingFunction,
} from './support/async-harness.js';

/**
 * ADR 0055: `lamina dev`'s dispatcher runs its attempts through the gateway's Invoke in process
 * (default) or over HTTP to its port (LAMINA_DEV_DISPATCHER=http, the path before). The same
 * scenarios run through both entries — success, a function error retried, a timeout, a throttle
 * retried until concurrency frees up — and what reaches the destinations, the runs and the
 * invocation metrics must be the same, ids and times aside.
 */
type Entry = 'http' | 'true';
const ENTRIES: readonly Entry[] = ['http', 'true'];

interface Outcome {
  readonly records: Record<string, unknown>;
  readonly runs: Record<string, number>;
  readonly invocations: number;
  readonly functionErrors: number;
}

const outcomes = new Map<Entry, Outcome>();

/** A destination record with the parts that differ per run (ids, times, names) replaced. */
function normalized(body: string, fn: RecordingFunction, id: string): unknown {
  const text = body
    .replaceAll(id, '<id>')
    .replaceAll(fn.name, '<fn>')
    .replaceAll(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<t>')
    .replaceAll(/lamina-test-[^/]+\//g, '<state>/')
    .replace(/Task timed out after [\d.]+ seconds/, 'Task timed out after <s> seconds');
  return JSON.parse(text) as unknown;
}

/** Σ of a counter's samples for the functions whose names start with `prefix`. */
async function counter(url: string, name: string, prefix: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`function="${prefix}`)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

describe.each(ENTRIES)('LAMINA_DEV_DISPATCHER=%s', (entry) => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const prefix = uniqueName(`s10a-${entry === 'http' ? 'h' : 'p'}`);
  const records: Record<string, unknown> = {};
  const runs: Record<string, number> = {};

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('inproc'),
        LAMINA_DEV_DISPATCHER: entry,
        // The recording handlers append to a host file (RUN_LOG) the sandbox hides (ADR 0029).
        LAMINA_SANDBOX: 'off',
        LAMINA_ASYNC_RETRY_DELAYS_MS: '200,300',
        LAMINA_ASYNC_THROTTLE_MAX_MS: '500',
      },
    });
    client = lambdaClient(lamina.url);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  /** Sets the event invoke config with both destinations as named queues; returns them. */
  async function destinations(
    fn: RecordingFunction,
    retries: number,
  ): Promise<{ ok: string; failed: string }> {
    const ok = uniqueName('ok');
    const failed = uniqueName('failed');
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: retries,
        DestinationConfig: {
          OnSuccess: { Destination: `lamina:queue:${ok}` },
          OnFailure: { Destination: `lamina:queue:${failed}` },
        },
      }),
    );
    return { ok, failed };
  }

  async function event(fn: RecordingFunction, payload: unknown): Promise<string> {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: fn.name,
        InvocationType: 'Event',
        Payload: JSON.stringify(payload),
      }),
    );
    expect(out.StatusCode).toBe(202);
    return out.$metadata.requestId ?? '';
  }

  async function record(queue: string): Promise<string> {
    const [m] = await eventually(
      async () => {
        const got = await readQueue(lamina.url, queue);
        return got.length > 0 ? got : undefined;
      },
      { what: `a record in ${queue}`, timeoutMs: 60_000 },
    );
    return m?.Body ?? '';
  }

  it('a success reaches OnSuccess', async () => {
    const fn = await createRecordingFunction(client, `${prefix}-ok`);
    const q = await destinations(fn, 1);
    const id = await event(fn, { n: 1 });
    records['success'] = normalized(await record(q.ok), fn, id);
    runs['success'] = fn.runs().filter((r) => r.requestId === id).length;
  });

  it('a function error is retried, then reaches OnFailure', async () => {
    const fn = await createRecordingFunction(client, `${prefix}-err`);
    const q = await destinations(fn, 1);
    const id = await event(fn, { fail: true });
    records['function error'] = normalized(await record(q.failed), fn, id);
    runs['function error'] = fn.runs().filter((r) => r.requestId === id).length;
  });

  it('a timeout is a function error', async () => {
    const fn = await createRecordingFunction(client, `${prefix}-timeout`);
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: fn.name, Timeout: 1 }),
    );
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60 }, { FunctionName: fn.name });
    const q = await destinations(fn, 0);
    const id = await event(fn, { sleepMs: 3000 });
    records['timeout'] = normalized(await record(q.failed), fn, id);
    runs['timeout'] = fn.runs().filter((r) => r.requestId === id).length;
  });

  it('a throttled event is retried until concurrency frees up', async () => {
    const fn = await createRecordingFunction(client, `${prefix}-429`);
    const q = await destinations(fn, 0);
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: fn.name, ReservedConcurrentExecutions: 0 }),
    );
    const id = await event(fn, { t: 1 });
    await eventually(
      async () =>
        (await counter(lamina.url, 'lamina_throttles_total', fn.name)) > 0 ? true : undefined,
      { what: 'a throttled attempt', timeoutMs: 60_000 },
    );
    expect(fn.runs()).toHaveLength(0);
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: fn.name }));
    records['throttle'] = normalized(await record(q.ok), fn, id);
    runs['throttle'] = fn.runs().filter((r) => r.requestId === id).length;
  });

  it('counts the runs in the invocation metrics', async () => {
    // 1 success + 2 tries of the error + the timeout + the run after the throttle.
    const invocations = await counter(lamina.url, 'lamina_invocations_total', prefix);
    const functionErrors = await counter(lamina.url, 'lamina_function_errors_total', prefix);
    expect(invocations).toBe(5);
    expect(functionErrors).toBe(3);
    outcomes.set(entry, { records, runs, invocations, functionErrors });
  });
});

describe('the two entries', () => {
  it('give the same records, runs and metrics', () => {
    const [http, inProcess] = ENTRIES.map((e) => outcomes.get(e));
    expect(http).toBeDefined();
    expect(inProcess).toEqual(http);
    expect(http?.runs).toEqual({ success: 1, 'function error': 2, timeout: 1, throttle: 1 });
  });
});
