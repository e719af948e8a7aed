import { type InvokeApiAnswer, RUN_RECORD_HEADER } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { FakeAsyncStore } from '../test-support/fake-async-store.js';
import { fakeApp, record } from '../test-support/fakes.js';

/**
 * ADR 0055: the in-process entry answers what the HTTP Invoke answers a caller that sends what
 * the dispatcher's GatewayClient sends (its request id, the run-record header), case by case,
 * and counts the run the same way.
 */
type App = ReturnType<typeof fakeApp>;

interface Case {
  readonly name: string;
  readonly ref: string;
  readonly payload: string;
  readonly headers?: Record<string, string>;
  readonly setup?: (t: App) => void;
}

const FUNCTION_ERROR = '{"errorType":"Error","errorMessage":"boom","trace":[]}';

const CASES: readonly Case[] = [
  { name: 'success', ref: 'hello', payload: '{"a":1}' },
  { name: 'an empty payload is {}', ref: 'hello', payload: '' },
  {
    name: 'a function error',
    ref: 'hello',
    payload: '{}',
    setup: (t) => {
      t.pool.handler = () => ({
        payload: Buffer.from(FUNCTION_ERROR),
        functionError: 'Unhandled',
        errorType: 'Error',
        executedVersion: '$LATEST',
        coldStart: false,
        durationMs: 5,
      });
    },
  },
  {
    name: 'a throttle',
    ref: 'hello',
    payload: '{}',
    setup: (t) => {
      t.admission.reserved.set('hello', 0);
    },
  },
  { name: 'a function that is not there', ref: 'gone', payload: '{}' },
  { name: 'a version that is not there', ref: 'hello:7', payload: '{}' },
  { name: 'a payload that is not JSON', ref: 'hello', payload: '{nope' },
  { name: 'a bad log type', ref: 'hello', payload: '{}', headers: { 'x-amz-log-type': 'Head' } },
  {
    name: 'an unexpected pool failure',
    ref: 'hello',
    payload: '{}',
    setup: (t) => {
      t.pool.handler = () => {
        throw new Error('secret detail');
      };
    },
  },
];

function withHello(c: Case): App {
  const t = fakeApp();
  t.functions.records.set('hello', record('hello'));
  c.setup?.(t);
  return t;
}

async function overHttp(c: Case, requestId: string): Promise<InvokeApiAnswer & { app: App }> {
  const t = withHello(c);
  const res = await request(t.app)
    .post(`/2015-03-31/functions/${encodeURIComponent(c.ref)}/invocations`)
    .set({
      ...c.headers,
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amz-invocation-type': 'RequestResponse',
    })
    .send(c.payload);
  const functionError = res.headers['x-amz-function-error'];
  const executedVersion = res.headers['x-amz-executed-version'];
  return {
    app: t,
    statusCode: res.status,
    ...(functionError === undefined ? {} : { functionError }),
    ...(executedVersion === undefined ? {} : { executedVersion }),
    body: res.text,
  };
}

async function inProcess(c: Case, requestId: string): Promise<InvokeApiAnswer & { app: App }> {
  const t = withHello(c);
  const answer = await t.app.invokeApi.invoke(
    c.ref,
    Buffer.from(c.payload),
    requestId,
    c.headers ?? {},
  );
  return { app: t, ...answer };
}

describe('the in-process Invoke (ADR 0055)', () => {
  it.each(CASES)('answers as the HTTP Invoke does: $name', async (c) => {
    const { app: httpApp, ...http } = await overHttp(c, 'req-1');
    const { app: here, ...answer } = await inProcess(c, 'req-1');
    expect(answer).toEqual(http);
    // The same calls reached the pool, with the same request id and payload.
    const calls = (t: App) =>
      t.pool.calls.map((k) => ({ ...k.invocation, payload: k.invocation.payload.toString() }));
    expect(calls(here)).toEqual(calls(httpApp));
    // Counted alike (invocations, errors, throttles), and no lease left behind.
    const counted = async (t: App) =>
      (await t.registry.metrics())
        .split('\n')
        .filter((l) => /^lamina_(invocations|function_errors|throttles)_total\{/.test(l));
    expect(await counted(here)).toEqual(await counted(httpApp));
    expect(here.admission.live).toBe(0);
  });

  it('records a dispatcher attempt (the run-record header) as the HTTP Invoke does', async () => {
    const seen = async (via: 'http' | 'in-process'): Promise<string[]> => {
      const store = new RecordingStore();
      const t = fakeApp({ async: store });
      t.functions.records.set('hello', record('hello'));
      const headers = { [RUN_RECORD_HEADER]: '0.0;1000' };
      if (via === 'in-process') {
        await t.app.invokeApi.invoke('hello', Buffer.from('{}'), 'req-2', headers);
      } else {
        await request(t.app)
          .post('/2015-03-31/functions/hello/invocations')
          .set({ ...headers, 'x-amzn-requestid': 'req-2' })
          .send('{}')
          .expect(200);
      }
      return store.runs;
    };
    const http = await seen('http');
    expect(http).toEqual(['started 0.0;1000 hello req-2', 'recorded 0.0;1000 hello req-2']);
    expect(await seen('in-process')).toEqual(http);
  });
});

/** A FakeAsyncStore that lists the run-record calls it gets. */
class RecordingStore extends FakeAsyncStore {
  readonly runs: string[] = [];
  runStarted(runRecord: string | undefined, fn: string, requestId: string): void {
    this.runs.push(`started ${runRecord ?? '-'} ${fn} ${requestId}`);
  }
  recordRun(runRecord: string | undefined, fn: string, requestId: string): void {
    this.runs.push(`recorded ${runRecord ?? '-'} ${fn} ${requestId}`);
  }
}
