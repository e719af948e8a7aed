import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp, json, record } from '../test-support/fakes.js';

describe('Put/Get/DeleteFunctionConcurrency', () => {
  it('sets, reads and removes a reservation in admission and the record', async () => {
    const { app, functions, admission } = fakeApp();
    functions.records.set('hello', record('hello'));
    const put = await request(app)
      .put('/2017-10-31/functions/hello/concurrency')
      .send({ ReservedConcurrentExecutions: 10 })
      .expect(200);
    expect(put.body).toEqual({ ReservedConcurrentExecutions: 10 });
    expect(admission.reserved.get('hello')).toBe(10);
    expect(functions.get('hello')!.spec.reservedConcurrency).toBe(10);
    const get = await request(app).get('/2019-09-30/functions/hello/concurrency').expect(200);
    expect(get.body).toEqual({ ReservedConcurrentExecutions: 10 });
    await request(app).delete('/2017-10-31/functions/hello/concurrency').expect(204);
    expect(admission.reserved.has('hello')).toBe(false);
    expect('reservedConcurrency' in functions.get('hello')!.spec).toBe(false);
    const after = await request(app).get('/2019-09-30/functions/hello/concurrency').expect(200);
    expect(after.body).toEqual({});
  });

  it('keeps the minimum unreserved concurrency', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('hello', record('hello'));
    const res = await request(app)
      .put('/2017-10-31/functions/hello/concurrency')
      .send({ ReservedConcurrentExecutions: 901 })
      .expect(400);
    expect(res.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(res).message).toBe(
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    expect(functions.get('hello')!.spec.reservedConcurrency).toBeUndefined();
  });

  it('validates the value and the function', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('hello', record('hello'));
    const neg = await request(app)
      .put('/2017-10-31/functions/hello/concurrency')
      .send({ ReservedConcurrentExecutions: -1 })
      .expect(400);
    expect(neg.headers['x-amzn-errortype']).toBe('ValidationException');
    await request(app).put('/2017-10-31/functions/hello/concurrency').send({}).expect(400);
    await request(app)
      .put('/2017-10-31/functions/nope/concurrency')
      .send({ ReservedConcurrentExecutions: 1 })
      .expect(404);
  });
});

describe('GetAccountSettings', () => {
  it('reports limits and usage', async () => {
    const { app, functions, admission } = fakeApp();
    functions.records.set('a', record('a'));
    functions.records.set('b', record('b'));
    admission.reserved.set('a', 200);
    const res = await request(app).get('/2016-08-19/account-settings').expect(200);
    expect(res.body).toEqual({
      AccountLimit: {
        TotalCodeSize: 80_530_636_800,
        CodeSizeUnzipped: 262_144_000,
        CodeSizeZipped: 52_428_800,
        ConcurrentExecutions: 1000,
        UnreservedConcurrentExecutions: 800,
      },
      AccountUsage: { TotalCodeSize: 6, FunctionCount: 2 },
    });
  });
});

describe('health and metrics', () => {
  it('answers /healthz 200 when ready and 503 while draining', async () => {
    const { app, state } = fakeApp();
    await request(app).get('/healthz').expect(200);
    state.ready = false;
    await request(app).get('/healthz').expect(503);
  });

  it('serves the injected registry', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('hello', record('hello'));
    await request(app).post('/2015-03-31/functions/hello/invocations').expect(200);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('lamina_invocation_duration_seconds_bucket');
    expect(res.text).toContain(
      'lamina_concurrent_executions{function="hello",version="$LATEST",resource="hello"} 0',
    );
  });
});
