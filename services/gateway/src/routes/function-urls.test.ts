import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryVersionStore } from '../local/memory-version-store.js';
import { fakeApp, json, record } from '../test-support/fakes.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const URL_PATH = '/2021-10-31/functions/hello/url';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';
const NOW = '2026-01-02T03:04:05.678000Z';

interface UrlConfig {
  FunctionUrl: string;
  FunctionArn: string;
  AuthType: string;
  Cors?: Record<string, unknown>;
  CreationTime: string;
  LastModifiedTime?: string;
  InvokeMode: string;
}

async function setUp() {
  const versions = new MemoryVersionStore(ctx);
  const t = fakeApp({ versions });
  t.functions.records.set('hello', record('hello'));
  await request(t.app).post('/2015-03-31/functions/hello/versions').send({}).expect(201);
  await request(t.app)
    .post('/2015-03-31/functions/hello/aliases')
    .send({ Name: 'live', FunctionVersion: '1' })
    .expect(201);
  return t;
}

type App = Awaited<ReturnType<typeof setUp>>['app'];

const create = (app: App, body: unknown, qualifier?: string) =>
  request(app)
    .post(URL_PATH)
    .query(qualifier === undefined ? {} : { Qualifier: qualifier })
    .send(body as object);

/** A request to the URL through the gateway's listener, routed by its Host header. */
const call = (app: App, url: string, method: 'get' | 'post' | 'options', path = '/') =>
  request(app)[method](path).set('Host', new URL(url).host);

describe('function URL operations', () => {
  it('creates, gets, updates, lists and deletes a URL', async () => {
    const { app } = await setUp();
    const created = json<UrlConfig>(await create(app, { AuthType: 'NONE' }).expect(201));
    expect(created).toEqual({
      FunctionUrl: expect.stringMatching(
        /^http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost\/$/,
      ) as unknown,
      FunctionArn: ARN,
      AuthType: 'NONE',
      CreationTime: NOW,
      InvokeMode: 'BUFFERED',
    });
    const got = json<UrlConfig>(await request(app).get(URL_PATH).expect(200));
    expect(got).toEqual({ ...created, LastModifiedTime: NOW });

    const cors = { AllowOrigins: ['*'], MaxAge: 60 };
    const updated = json<UrlConfig>(
      await request(app)
        .put(URL_PATH)
        .send({ Cors: cors, InvokeMode: 'RESPONSE_STREAM' })
        .expect(200),
    );
    expect(updated).toMatchObject({
      FunctionUrl: created.FunctionUrl,
      AuthType: 'NONE',
      Cors: cors,
      InvokeMode: 'RESPONSE_STREAM',
    });

    const alias = json<UrlConfig>(await create(app, { AuthType: 'AWS_IAM' }, 'live').expect(201));
    expect(alias.FunctionArn).toBe(`${ARN}:live`);
    expect(alias.FunctionUrl).not.toBe(created.FunctionUrl);
    const list = json<{ FunctionUrlConfigs: UrlConfig[] }>(
      await request(app).get(`${URL_PATH}s`).expect(200),
    );
    expect(list.FunctionUrlConfigs.map((c) => c.FunctionArn)).toEqual([ARN, `${ARN}:live`]);
    const page = await request(app).get(`${URL_PATH}s`).query({ MaxItems: 1 }).expect(200);
    const next = json<{ FunctionUrlConfigs: UrlConfig[]; NextMarker: string }>(page);
    expect(next.FunctionUrlConfigs).toHaveLength(1);
    const rest = await request(app)
      .get(`${URL_PATH}s`)
      .query({ Marker: next.NextMarker })
      .expect(200);
    expect(json<{ FunctionUrlConfigs: UrlConfig[] }>(rest).FunctionUrlConfigs[0]?.FunctionArn).toBe(
      `${ARN}:live`,
    );

    await request(app).delete(URL_PATH).expect(204);
    await request(app).get(URL_PATH).expect(404);
    await request(app).delete(URL_PATH).expect(404);
    await call(app, created.FunctionUrl, 'get').expect(403);
  });

  it('refuses what Lambda refuses', async () => {
    const { app } = await setUp();
    expect((await create(app, {}).expect(400)).headers['x-amzn-errortype']).toBe(
      'ValidationException',
    );
    await create(app, { AuthType: 'BASIC' }).expect(400);
    await create(app, { AuthType: 'NONE', InvokeMode: 'FAST' }).expect(400);
    await create(app, { AuthType: 'NONE', Cors: { MaxAge: 86401 } }).expect(400);
    await create(app, { AuthType: 'NONE', Cors: { AllowMethods: ['OPTIONS+'] } }).expect(400);
    // Versions and $LATEST are not URL qualifiers; an unknown alias or function is 404.
    await create(app, { AuthType: 'NONE' }, '1').expect(400);
    await create(app, { AuthType: 'NONE' }, '$LATEST').expect(400);
    await create(app, { AuthType: 'NONE' }, 'nope').expect(404);
    await request(app)
      .post('/2021-10-31/functions/missing/url')
      .send({ AuthType: 'NONE' })
      .expect(404);
    await request(app).get('/2021-10-31/functions/missing/urls').expect(404);
    await create(app, { AuthType: 'NONE' }).expect(201);
    const conflict = await create(app, { AuthType: 'NONE' }).expect(409);
    expect(conflict.headers['x-amzn-errortype']).toBe('ResourceConflictException');
    await request(app).put('/2021-10-31/functions/hello/url?Qualifier=live').send({}).expect(404);
  });

  it('removes the URLs of a deleted function', async () => {
    const { app } = await setUp();
    const created = json<UrlConfig>(await create(app, { AuthType: 'NONE' }).expect(201));
    await request(app).delete('/2015-03-31/functions/hello').expect(204);
    await expect.poll(async () => (await call(app, created.FunctionUrl, 'get')).status).toBe(403);
  });
});

describe('serving a function URL', () => {
  it('invokes the function with the 2.0 event and maps its answer back', async () => {
    const { app, pool } = await setUp();
    const { FunctionUrl } = json<UrlConfig>(await create(app, { AuthType: 'NONE' }).expect(201));
    pool.handler = (_fn, invocation) => {
      const event = JSON.parse(invocation.payload.toString()) as Record<string, unknown>;
      return {
        payload: Buffer.from(
          JSON.stringify({
            statusCode: 201,
            headers: { 'x-echo': JSON.stringify(event['queryStringParameters']) },
            cookies: ['s=1'],
            body: JSON.stringify(event),
          }),
        ),
        executedVersion: '$LATEST',
        coldStart: false,
        durationMs: 1,
      };
    };
    const res = await call(app, FunctionUrl, 'post', '/a/b?x=1&x=2')
      .set('Cookie', 'c=3')
      .set('Content-Type', 'text/plain')
      .send('hi')
      .expect(201);
    expect(res.headers['set-cookie']).toEqual(['s=1']);
    expect(res.headers['x-echo']).toBe('{"x":"1,2"}');
    expect(res.headers['x-amzn-requestid']).toBeDefined();
    const event = JSON.parse(res.text) as Record<string, unknown>;
    expect(event).toMatchObject({
      rawPath: '/a/b',
      rawQueryString: 'x=1&x=2',
      cookies: ['c=3'],
      body: 'hi',
      isBase64Encoded: false,
    });
    expect(pool.calls[0]?.invocation.invokedFunctionArn).toBe(ARN);
  });

  it('answers 502 on a function error or an invalid response, 429 when throttled', async () => {
    const { app, pool, admission } = await setUp();
    const { FunctionUrl } = json<UrlConfig>(await create(app, { AuthType: 'NONE' }).expect(201));
    pool.handler = () => ({
      payload: Buffer.from('{"errorType":"Error"}'),
      functionError: 'Unhandled',
      executedVersion: '$LATEST',
      coldStart: false,
      durationMs: 1,
    });
    expect((await call(app, FunctionUrl, 'get').expect(502)).text).toBe('Internal Server Error');
    pool.handler = () => ({
      payload: Buffer.from('{"statusCode":"bad"}'),
      executedVersion: '$LATEST',
      coldStart: false,
      durationMs: 1,
    });
    await call(app, FunctionUrl, 'get').expect(502);
    admission.reserved.set('hello', 0);
    const throttled = await call(app, FunctionUrl, 'get').expect(429);
    expect(throttled.body).toEqual({ Message: 'Rate Exceeded.' });
  });

  it('answers a CORS preflight without invoking and adds CORS headers', async () => {
    const { app, pool } = await setUp();
    const { FunctionUrl } = json<UrlConfig>(
      await create(app, {
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://app.example'], AllowMethods: ['POST'], MaxAge: 10 },
      }).expect(201),
    );
    const pre = await call(app, FunctionUrl, 'options')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(pre.headers['access-control-allow-methods']).toBe('POST');
    expect(pre.headers['access-control-max-age']).toBe('10');
    expect(pool.calls).toHaveLength(0);
    const res = await call(app, FunctionUrl, 'get')
      .set('Origin', 'https://app.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(pool.calls).toHaveLength(1);
  });

  it('refuses unsigned calls to an AWS_IAM URL', async () => {
    const { app, pool } = await setUp();
    const { FunctionUrl } = json<UrlConfig>(
      await create(app, { AuthType: 'AWS_IAM' }, 'live').expect(201),
    );
    expect((await call(app, FunctionUrl, 'get').expect(403)).body).toEqual({
      Message: 'Forbidden',
    });
    await call(app, FunctionUrl, 'get')
      .set('Authorization', 'AWS4-HMAC-SHA256 Credential=x/20260102/us-east-1/lambda/aws4_request')
      .expect(200);
    expect(pool.calls[0]?.invocation.invokedFunctionArn).toBe(`${ARN}:live`);
  });
});
