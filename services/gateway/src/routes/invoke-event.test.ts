import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { FakeAsyncStore } from '../test-support/fake-async-store.js';
import { FIXED_NOW, fakeApp, json, record } from '../test-support/fakes.js';

const INVOKE = '/2015-03-31/functions/hello/invocations';
const CONFIG = '/2019-09-25/functions/hello/event-invoke-config';

function withAsync() {
  const store = new FakeAsyncStore();
  const t = fakeApp({ async: store });
  t.functions.records.set('hello', record('hello'));
  return { ...t, store };
}

describe('Invoke, InvocationType Event', () => {
  it('queues the event, then answers 202 with the request id', async () => {
    const { app, store, pool } = withAsync();
    const res = await request(app)
      .post(INVOKE)
      .set('x-amz-invocation-type', 'Event')
      .set('x-amzn-RequestId', 'req-9')
      .send('{"a":1}')
      .expect(202);
    expect(res.headers['x-amzn-requestid']).toBe('req-9');
    expect(res.text).toBe('');
    expect(store.jobs).toEqual([
      {
        v: 1,
        functionName: 'hello',
        requestId: 'req-9',
        payload: '{"a":1}',
        acceptedAt: FIXED_NOW,
        functionErrors: 0,
        throttles: 0,
      },
    ]);
    expect(pool.calls).toHaveLength(0);
  });

  it('answers an error, never 202, when Redis refuses the event', async () => {
    const { app, store } = withAsync();
    store.failEnqueue = true;
    const res = await request(app).post(INVOKE).set('x-amz-invocation-type', 'Event').send('{}');
    expect(res.status).toBe(500);
    expect(res.headers['x-amzn-errortype']).toBe('ServiceException');
  });

  it("refuses more than 1 MB with Lambda's message", async () => {
    const { app, store } = withAsync();
    const body = JSON.stringify({ x: 'y'.repeat(1024 * 1024) });
    const res = await request(app)
      .post(INVOKE)
      .set('x-amz-invocation-type', 'Event')
      .send(body)
      .expect(413);
    expect(json(res).message).toBe(
      `${Buffer.byteLength(body)} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
    );
    expect(store.jobs).toHaveLength(0);
  });

  it('refuses Event when async invocation is not configured', async () => {
    const t = fakeApp();
    t.functions.records.set('hello', record('hello'));
    await request(t.app).post(INVOKE).set('x-amz-invocation-type', 'Event').send('{}').expect(400);
  });
});

describe('event invoke config and named queues', () => {
  it('puts, updates, gets, lists and deletes', async () => {
    const { app } = withAsync();
    await request(app).get(CONFIG).expect(404);
    await request(app).post(CONFIG).send({ MaximumRetryAttempts: 1 }).expect(404);
    const put = await request(app)
      .put(CONFIG)
      .send({
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnSuccess: { Destination: 'lamina:queue:ok' } },
      })
      .expect(200);
    expect(put.body).toEqual({
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 21_600,
      LastModified: Math.floor(FIXED_NOW / 1000),
      DestinationConfig: { OnSuccess: { Destination: 'lamina:queue:ok' }, OnFailure: {} },
    });
    await request(app).post(CONFIG).send({ MaximumEventAgeInSeconds: 100 }).expect(200);
    const got = await request(app).get(CONFIG).expect(200);
    expect(got.body).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 100 });
    const list = await request(app).get(`${CONFIG}/list`).expect(200);
    expect(list.body).toMatchObject({
      FunctionEventInvokeConfigs: [{ MaximumEventAgeInSeconds: 100 }],
    });
    await request(app).delete(CONFIG).expect(204);
    await request(app).get(CONFIG).expect(404);
  });

  it("removes a deleted function's configs, every qualifier's, and no other function's", async () => {
    const { app, store } = withAsync();
    await request(app).put(CONFIG).send({ MaximumRetryAttempts: 1 }).expect(200);
    const config = store.configs.get('hello');
    if (config === undefined) throw new Error('PutFunctionEventInvokeConfig stored nothing');
    store.configs.set('hello:live', config);
    store.configs.set('hello-two', config);
    await request(app).delete('/2015-03-31/functions/hello').expect(204);
    expect([...store.configs.keys()]).toEqual(['hello-two']);
  });

  it('validates like Lambda', async () => {
    const { app } = withAsync();
    const res = await request(app).put(CONFIG).send({ MaximumRetryAttempts: 5 }).expect(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    await request(app)
      .put(CONFIG)
      .send({ DestinationConfig: { OnFailure: { Destination: 'ftp://nope' } } })
      .expect(400);
    await request(app).put('/2019-09-25/functions/nope/event-invoke-config').send({}).expect(404);
  });

  it('reads a named queue, taking or peeking', async () => {
    const { app, store } = withAsync();
    store.queues.set('q', [
      { body: 'a', attributes: {} },
      { body: 'b', attributes: { RequestID: 'r' } },
    ]);
    const peek = await request(app).get('/lamina/v1/queues/q/messages?max=1&peek=true').expect(200);
    expect(peek.body).toEqual({ Messages: [{ Body: 'a', Attributes: {} }] });
    const take = await request(app).get('/lamina/v1/queues/q/messages?max=10').expect(200);
    expect(json<{ Messages: unknown[] }>(take).Messages).toHaveLength(2);
    expect(store.queues.get('q')).toEqual([]);
    await request(app).get('/lamina/v1/queues/bad%20name/messages').expect(400);
  });
});
