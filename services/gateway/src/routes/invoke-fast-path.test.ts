import type { IncomingMessage, ServerResponse } from 'node:http';

import { LaminaError } from '@lamina/core';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import type { RequestGuard } from '../http/request-guards.js';
import { FakeAsyncStore } from '../test-support/fake-async-store.js';
import { fakeApp, record } from '../test-support/fakes.js';
import { invokeFastPath, type InvokeFastPathDeps } from './invoke-fast-path.js';

const INVOKE = '/2015-03-31/functions/hello/invocations';

/**
 * Whether the fast path takes a request; a taken one fails on the absent deps and is answered
 * with an error on the stub response.
 */
function takes(url: string, headers: Record<string, string> = {}, method = 'POST'): boolean {
  const fast = invokeFastPath({
    guards: [],
    logger: pino({ level: 'silent' }),
    isApiRequest: (req: IncomingMessage) => req.headers.host !== 'url.example',
  } as unknown as InvokeFastPathDeps);
  const req = { method, url, headers } as unknown as IncomingMessage;
  const res = {
    on: () => undefined,
    writeHead: () => undefined,
    end: () => undefined,
    destroy: () => undefined,
  } as unknown as ServerResponse;
  try {
    return fast(req, res);
  } catch {
    return true; // it took the request and went on into the (absent) deps
  }
}

describe('the invoke fast path', () => {
  it('takes only canonical sync invokes and leaves the rest to express', () => {
    expect(takes(INVOKE)).toBe(true);
    expect(takes(`${INVOKE}?Qualifier=1`)).toBe(true);
    expect(takes('/2015-03-31/functions/a%3A1/invocations')).toBe(true);
    expect(takes(INVOKE, { 'x-amz-invocation-type': 'RequestResponse' })).toBe(true);
    expect(takes(INVOKE, { 'x-amz-invocation-type': 'Event' })).toBe(true);
    expect(takes(INVOKE, { 'x-amz-invocation-type': 'DryRun' })).toBe(false);
    expect(takes(INVOKE, { 'x-amz-invocation-type': 'Bogus' })).toBe(false);
    expect(takes(INVOKE, {}, 'GET')).toBe(false);
    expect(takes(`${INVOKE}/`)).toBe(false);
    expect(takes('/2015-03-31/FUNCTIONS/hello/invocations')).toBe(false);
    expect(takes('/2015-03-31/functions//invocations')).toBe(false);
    expect(takes('/2015-03-31/functions/a/b/invocations')).toBe(false);
    expect(takes('/2015-03-31/functions/%zz/invocations')).toBe(false);
    expect(takes(`${INVOKE}?Qualifier=1&x=2`)).toBe(false);
    expect(takes('/2015-03-31/functions/hello')).toBe(false);
    expect(takes(INVOKE, { host: 'url.example' })).toBe(false);
  });
});

describe('request guards', () => {
  const refuse: RequestGuard = (req) => {
    if (req.headers['x-deny'] !== undefined)
      throw new LaminaError('PreconditionFailedException', 'denied by a guard');
  };
  const refuseLater: RequestGuard = async (req) => {
    await Promise.resolve();
    if (req.headers['x-deny-later'] !== undefined)
      throw new LaminaError('PreconditionFailedException', 'denied later');
  };

  function guarded() {
    const t = fakeApp({ requestGuards: [refuse, refuseLater] });
    t.functions.records.set('hello', record('hello'));
    return t;
  }

  it('guard the fast path, the express invoke and the management API alike', async () => {
    const { app, pool } = guarded();
    for (const deny of ['x-deny', 'x-deny-later']) {
      const fast = await request(app).post(INVOKE).set(deny, '1').set('x-amzn-RequestId', 'r1');
      expect(fast.status).toBe(412);
      expect(fast.headers['x-amzn-errortype']).toBe('PreconditionFailedException');
      expect(fast.headers['x-amzn-requestid']).toBe('r1');
      const event = await request(app)
        .post(INVOKE)
        .set('x-amz-invocation-type', 'DryRun')
        .set(deny, '1');
      expect(event.status).toBe(412);
      const list = await request(app).get('/2015-03-31/functions').set(deny, '1');
      expect(list.status).toBe(412);
    }
    expect(pool.calls).toHaveLength(0);
  });

  it('let a request through when every guard passes', async () => {
    const { app, pool } = guarded();
    const res = await request(app).post(INVOKE).send('{"a":1}').expect(200);
    expect(res.text).toBe('{"a":1}');
    await request(app).post(INVOKE).set('x-amz-invocation-type', 'DryRun').expect(204);
    await request(app).get('/2015-03-31/functions').expect(200);
    expect(pool.calls).toHaveLength(1);
  });
});

describe('Event through both entries', () => {
  // A trailing slash is express' (the fast path leaves it): the same request, the other entry.
  const entries = { fast: INVOKE, express: `${INVOKE}/` };

  function withAsync() {
    const store = new FakeAsyncStore();
    const t = fakeApp({ async: store });
    t.functions.records.set('hello', record('hello'));
    return { ...t, store };
  }

  it('queue the event and answer the same 202', async () => {
    const { app, store, pool } = withAsync();
    for (const [entry, url] of Object.entries(entries)) {
      const res = await request(app)
        .post(url)
        .set('x-amz-invocation-type', 'Event')
        .set('x-amzn-RequestId', `r-${entry}`)
        .send('{"a":1}');
      expect(res.status).toBe(202);
      expect(res.headers['x-amzn-requestid']).toBe(`r-${entry}`);
      expect(res.text).toBe('');
    }
    expect(store.jobs.map((j) => [j.functionName, j.requestId, j.payload])).toEqual([
      ['hello', 'r-fast', '{"a":1}'],
      ['hello', 'r-express', '{"a":1}'],
    ]);
    expect(pool.calls).toHaveLength(0);
  });

  it('answer the same errors, and queue nothing', async () => {
    const { app, store } = withAsync();
    const cases: { url: (base: string) => string; body: string; status: number }[] = [
      { url: (b) => b.replace('hello', 'nope'), body: '{}', status: 404 },
      { url: (b) => b, body: '{not json', status: 400 },
      { url: (b) => b, body: JSON.stringify({ x: 'y'.repeat(1024 * 1024) }), status: 413 },
    ];
    for (const c of cases) {
      const answers = [];
      for (const url of Object.values(entries)) {
        const res = await request(app)
          .post(c.url(url))
          .set('x-amz-invocation-type', 'Event')
          .send(c.body);
        answers.push([res.status, res.headers['x-amzn-errortype'], res.text]);
      }
      expect(answers[0]?.[0]).toBe(c.status);
      expect(answers[1]).toEqual(answers[0]);
    }
    store.failEnqueue = true;
    for (const url of Object.values(entries)) {
      const res = await request(app).post(url).set('x-amz-invocation-type', 'Event').send('{}');
      expect(res.status).toBe(500);
      expect(res.headers['x-amzn-errortype']).toBe('ServiceException');
    }
    expect(store.jobs).toHaveLength(0);
  });
});
