import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { FakeAsyncStore } from '../test-support/fake-async-store.js';
import { fakeApp, json, record } from '../test-support/fakes.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';
const RUNTIME_ARN =
  'arn:aws:lambda:us-east-1::runtime:0b1c5bd2e8e3ed0cb8d7cbd4e4d8a4b1b9f0a4f0c4e2e8f7d6c5b4a392817060';

async function withFunction(overrides: Parameters<typeof fakeApp>[0] = {}) {
  const fake = fakeApp(overrides);
  await fake.functions.create(record('hello'));
  return fake;
}

describe('code signing, runtime management and recursion settings', () => {
  it('says no code signing config is set and none exist', async () => {
    const { app } = await withFunction();
    const got = await request(app)
      .get('/2020-06-30/functions/hello/code-signing-config')
      .expect(200);
    expect(got.body).toEqual({ CodeSigningConfigArn: '', FunctionName: 'hello' });
    const list = await request(app).get('/2020-04-22/code-signing-configs').expect(200);
    expect(list.body).toEqual({ CodeSigningConfigs: [] });
  });

  it('stores the runtime update mode, with an ARN only in Manual mode', async () => {
    const { app } = await withFunction();
    const path = '/2021-07-20/functions/hello/runtime-management-config';
    expect((await request(app).get(path).expect(200)).body).toEqual({
      UpdateRuntimeOn: 'Auto',
      FunctionArn: ARN,
    });
    const manual = { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_ARN };
    expect((await request(app).put(path).send(manual).expect(200)).body).toEqual({
      ...manual,
      FunctionArn: ARN,
    });
    expect((await request(app).get(path)).body).toEqual({ ...manual, FunctionArn: ARN });
    const refused = await request(app).put(path).send({ UpdateRuntimeOn: 'Manual' }).expect(400);
    expect(json(refused).Type).toBe('User');
    await request(app)
      .put(path)
      .send({ UpdateRuntimeOn: 'Auto', RuntimeVersionArn: RUNTIME_ARN })
      .expect(400);
    const bad = await request(app).put(path).send({ UpdateRuntimeOn: 'Never' }).expect(400);
    expect(json(bad).message).toMatch(/^1 validation error detected: Value 'Never'/);
    await request(app).put(path).send({ UpdateRuntimeOn: 'FunctionUpdate' }).expect(200);
    expect((await request(app).get(path)).body).toEqual({
      UpdateRuntimeOn: 'FunctionUpdate',
      FunctionArn: ARN,
    });
  });

  it('keeps the recursive loop setting (Terminate by default)', async () => {
    const { app } = await withFunction();
    const path = '/2024-08-31/functions/hello/recursion-config';
    expect((await request(app).get(path).expect(200)).body).toEqual({ RecursiveLoop: 'Terminate' });
    await request(app).put(path).send({ RecursiveLoop: 'Allow' }).expect(200);
    expect((await request(app).get(path)).body).toEqual({ RecursiveLoop: 'Allow' });
  });
});

describe('InvokeAsync', () => {
  it('queues the event and answers 202 with {"Status":202}', async () => {
    const async = new FakeAsyncStore();
    const { app } = await withFunction({ async });
    const res = await request(app)
      .post('/2014-11-13/functions/hello/invoke-async/')
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from('{"a":1}'));
    expect(res.text).toBe('{"Status":202}');
    expect(res.body).toEqual({ Status: 202 });
    expect(async.jobs.map((j) => [j.functionName, j.payload])).toEqual([['hello', '{"a":1}']]);
  });
});
