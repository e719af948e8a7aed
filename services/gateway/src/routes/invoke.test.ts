import { logTail } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp, json, record } from '../test-support/fakes.js';

const INVOKE = '/2015-03-31/functions/hello/invocations';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';

function withHello() {
  const t = fakeApp();
  t.functions.records.set('hello', record('hello'));
  return t;
}

describe('Invoke', () => {
  it('answers 200 with the payload, request id and executed version', async () => {
    const { app, pool } = withHello();
    const res = await request(app)
      .post(INVOKE)
      .set('x-amzn-RequestId', 'req-1')
      .send('{"a":1}')
      .expect(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-amzn-requestid']).toBe('req-1');
    expect(res.headers['x-amz-executed-version']).toBe('$LATEST');
    expect(res.headers['x-amz-function-error']).toBeUndefined();
    expect(res.text).toBe('{"a":1}');
    const call = pool.calls[0]!;
    expect(call.invocation.requestId).toBe('req-1');
    expect(call.invocation.invokedFunctionArn).toBe(ARN);
    expect(call.invocation.tailLog).toBe(false);
    expect(call.fn).toMatchObject({
      name: 'hello',
      version: '$LATEST',
      codeDir: '/fake/code/hello',
      functionArn: ARN,
      region: 'us-east-1',
      timeout: 3,
    });
  });

  it('generates a request id when the caller sends none', async () => {
    const { app } = withHello();
    const res = await request(app).post(INVOKE).send('{}').expect(200);
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('treats an empty body as {}', async () => {
    const { app, pool } = withHello();
    await request(app).post(INVOKE).expect(200);
    expect(pool.calls[0]!.invocation.payload.toString()).toBe('{}');
  });

  it('accepts any JSON value, not only objects', async () => {
    const { app } = withHello();
    const res = await request(app).post(INVOKE).send('"just a string"').expect(200);
    expect(res.text).toBe('"just a string"');
  });

  it('refuses a body that is not JSON', async () => {
    const { app, pool } = withHello();
    const res = await request(app).post(INVOKE).send('{not json').expect(400);
    expect(res.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
    expect(json(res).Type).toBe('User');
    expect(json(res).message).toMatch(/^Could not parse request body into json: /);
    expect(pool.calls).toHaveLength(0);
  });

  it('refuses a big body with one flaw deep inside, and a body of bytes after the JSON', async () => {
    const { app, pool } = withHello();
    const records = Array.from({ length: 2000 }, (_, i) => ({ offset: i, value: 'eyJpZCI6MH0=' }));
    const good = JSON.stringify({ records: { 't-0': records } });
    await request(app).post(INVOKE).send(good).expect(200);
    for (const bad of [
      good.replace('"offset":1500,', '"offset":1500,,'),
      good.replace('eyJpZCI6MH0=', 'eyJp\u0001ZCI6MH0='),
      `${good} {}`,
      good.slice(0, -1),
    ]) {
      const res = await request(app).post(INVOKE).send(bad).expect(400);
      expect(json(res).message).toMatch(/^Could not parse request body into json: /);
    }
    expect(pool.calls).toHaveLength(1);
  });

  it('refuses a request of 6291456 bytes or more with 413', async () => {
    const { app } = withHello();
    const big = `"${'x'.repeat(6_291_456 - 2)}"`;
    const res = await request(app).post(INVOKE).send(big).expect(413);
    expect(res.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(json(res).message).toBe(
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  });

  it('accepts a request of 6291455 bytes', async () => {
    const { app } = withHello();
    const body = `"${'x'.repeat(6_291_455 - 2)}"`;
    await request(app).post(INVOKE).send(body).expect(200);
  });

  it('answers 404 for a missing function, with its ARN', async () => {
    const { app } = withHello();
    const res = await request(app).post('/2015-03-31/functions/nope/invocations').expect(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(res.body).toEqual({
      Type: 'User',
      Message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST',
    });
  });

  it('answers 404 with the qualified ARN for a qualifier that does not exist', async () => {
    const { app } = withHello();
    const res = await request(app).post(`${INVOKE}?Qualifier=PROD`).expect(404);
    expect(json(res).Message).toBe(`Function not found: ${ARN}:PROD`);
    const res2 = await request(app).post('/2015-03-31/functions/hello:7/invocations').expect(404);
    expect(json(res2).Message).toBe(`Function not found: ${ARN}:7`);
  });

  it('rejects a qualifier in the name that conflicts with the Qualifier parameter', async () => {
    const { app } = withHello();
    const res = await request(app)
      .post('/2015-03-31/functions/hello:A/invocations?Qualifier=B')
      .expect(400);
    expect(res.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
  });

  it('resolves $LATEST, partial and URL-encoded full ARNs', async () => {
    const { app, pool } = withHello();
    await request(app).post(`${INVOKE}?Qualifier=$LATEST`).expect(200);
    expect(pool.calls[0]!.invocation.invokedFunctionArn).toBe(`${ARN}:$LATEST`);
    await request(app)
      .post('/2015-03-31/functions/000000000000:function:hello/invocations')
      .expect(200);
    await request(app)
      .post(`/2015-03-31/functions/${encodeURIComponent(`${ARN}:$LATEST`)}/invocations`)
      .expect(200);
    expect(pool.calls).toHaveLength(3);
  });

  it('rejects an invalid function name with ValidationException', async () => {
    const { app } = withHello();
    const res = await request(app).post('/2015-03-31/functions/bad%20name/invocations').expect(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
  });

  it('answers 409 while the function is not Active', async () => {
    const { app, functions, pool } = fakeApp();
    functions.records.set('hello', {
      ...record('hello'),
      state: 'Failed',
      stateReason: 'The code directory is missing.',
    });
    const res = await request(app).post(INVOKE).expect(409);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceConflictException');
    expect(json(res).message).toBe(
      'The operation cannot be performed at this time. The function is currently in the following state: Failed. The code directory is missing.',
    );
    expect(pool.calls).toHaveLength(0);
  });

  it('answers DryRun with 204 after the checks, without invoking', async () => {
    const { app, pool, admission } = withHello();
    const res = await request(app)
      .post(INVOKE)
      .set('X-Amz-Invocation-Type', 'DryRun')
      .send('{}')
      .expect(204);
    expect(res.headers['x-amzn-requestid']).toBeDefined();
    expect(pool.calls).toHaveLength(0);
    expect(admission.live).toBe(0);
    await request(app).post(INVOKE).set('X-Amz-Invocation-Type', 'DryRun').send('{x').expect(400);
  });

  it('refuses Event (not yet) and unknown invocation types', async () => {
    const { app } = withHello();
    const ev = await request(app).post(INVOKE).set('X-Amz-Invocation-Type', 'Event').expect(400);
    expect(ev.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(ev).message).toMatch(/not enabled/);
    const bad = await request(app).post(INVOKE).set('X-Amz-Invocation-Type', 'Later').expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(json(bad).message).toBe(
      "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    );
  });

  it('returns the log tail with X-Amz-Log-Type: Tail', async () => {
    const { app, pool } = withHello();
    const log = `START RequestId: r Version: $LATEST\n${'é'.repeat(3000)}\nEND RequestId: r\n`;
    pool.handler = (_fn, inv) => ({
      payload: Buffer.from('null'),
      executedVersion: '$LATEST',
      coldStart: false,
      durationMs: 1,
      ...(inv.tailLog ? { log } : {}),
    });
    const res = await request(app).post(INVOKE).set('X-Amz-Log-Type', 'Tail').expect(200);
    expect(pool.calls[0]!.invocation.tailLog).toBe(true);
    expect(res.headers['x-amz-log-result']).toBe(logTail(log));
    const none = await request(app).post(INVOKE).set('X-Amz-Log-Type', 'None').expect(200);
    expect(none.headers['x-amz-log-result']).toBeUndefined();
  });

  it('sets X-Amz-Function-Error on a function error, still 200', async () => {
    const { app, pool, registry } = withHello();
    const payload = '{"errorType":"Error","errorMessage":"boom","trace":[]}';
    pool.handler = () => ({
      payload: Buffer.from(payload),
      functionError: 'Unhandled',
      errorType: 'Error',
      executedVersion: '$LATEST',
      coldStart: true,
      initDurationMs: 120,
      durationMs: 5,
    });
    const res = await request(app).post(INVOKE).send('{}').expect(200);
    expect(res.headers['x-amz-function-error']).toBe('Unhandled');
    expect(res.text).toBe(payload);
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      'lamina_invocations_total{function="hello",version="$LATEST",resource="hello"} 1',
    );
    expect(metrics).toContain(
      'lamina_function_errors_total{function="hello",version="$LATEST",resource="hello"} 1',
    );
    expect(metrics).toContain(
      'lamina_cold_starts_total{function="hello",version="$LATEST",resource="hello"} 1',
    );
  });

  it('passes the decoded client context on and refuses an invalid one', async () => {
    const { app, pool } = withHello();
    const ctx = JSON.stringify({ custom: { k: 'v' } });
    await request(app)
      .post(INVOKE)
      .set('X-Amz-Client-Context', Buffer.from(ctx).toString('base64'))
      .expect(200);
    expect(pool.calls[0]!.invocation.clientContext).toBe(ctx);
    const bad = await request(app).post(INVOKE).set('X-Amz-Client-Context', '%%%').expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
    const long = Buffer.from(JSON.stringify({ x: 'y'.repeat(3000) })).toString('base64');
    await request(app).post(INVOKE).set('X-Amz-Client-Context', long).expect(400);
  });

  it('throttles with 429, Reason and Retry-After, and counts it', async () => {
    const { app, admission, registry } = withHello();
    admission.reserved.set('hello', 0);
    const res = await request(app).post(INVOKE).send('{}').expect(429);
    expect(res.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({
      Type: 'User',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      message: 'Rate Exceeded.',
    });
    expect(await registry.metrics()).toContain(
      'lamina_throttles_total{function="hello",version="$LATEST",resource="hello"} 1',
    );
  });

  it('releases the lease when the pool throws, and maps unknown errors to 500', async () => {
    const { app, pool, admission } = withHello();
    pool.handler = () => {
      throw new Error('secret detail');
    };
    const res = await request(app).post(INVOKE).send('{}').expect(500);
    expect(res.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(res.body).toEqual({ Type: 'Service', Message: 'An internal error occurred.' });
    expect(admission.live).toBe(0);
  });

  it('releases the lease after a successful invoke', async () => {
    const { app, admission } = withHello();
    await request(app).post(INVOKE).send('{}').expect(200);
    expect(admission.live).toBe(0);
  });

  it('turns a response over 6 MB into Function.ResponseSizeTooLarge', async () => {
    const { app, pool } = withHello();
    pool.handler = () => ({
      payload: Buffer.alloc(6_291_557, 0x20),
      executedVersion: '$LATEST',
      coldStart: false,
      durationMs: 1,
    });
    const res = await request(app).post(INVOKE).send('{}').expect(200);
    expect(res.headers['x-amz-function-error']).toBe('Unhandled');
    expect(json<{ errorType: string }>(res).errorType).toBe('Function.ResponseSizeTooLarge');
  });

  it('uses the result content type when the function set one', async () => {
    const { app, pool } = withHello();
    pool.handler = () => ({
      payload: Buffer.from('hi'),
      contentType: 'text/plain',
      executedVersion: '$LATEST',
      coldStart: false,
      durationMs: 1,
    });
    const res = await request(app).post(INVOKE).send('{}').expect(200);
    expect(res.headers['content-type']).toBe('text/plain');
  });

  it('rebuilds the cached function config when the record changes', async () => {
    const { app, functions, pool } = withHello();
    await request(app).post(INVOKE).expect(200);
    await request(app).post(INVOKE).expect(200);
    expect(pool.calls[1]!.fn).toBe(pool.calls[0]!.fn);
    functions.records.set('hello', { ...record('hello', { timeout: 9 }), revisionId: 'rev-2' });
    await request(app).post(INVOKE).expect(200);
    expect(pool.calls.map((c) => c.fn.timeout)).toEqual([3, 3, 9]);
  });
});
