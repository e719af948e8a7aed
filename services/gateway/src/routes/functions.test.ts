import request from 'supertest';
import { describe, expect, it } from 'vitest';

import {
  type FunctionConfigurationBody,
  fakeApp,
  type GetFunctionBody,
  json,
  type ListFunctionsBody,
  record,
} from '../test-support/fakes.js';

const ZIP = Buffer.from('PK\x03\x04 pretend zip');
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';

function createBody(overrides: Record<string, unknown> = {}) {
  return {
    FunctionName: 'hello',
    Runtime: 'nodejs22.x',
    Role: 'arn:aws:iam::000000000000:role/r',
    Handler: 'index.handler',
    Code: { ZipFile: ZIP.toString('base64') },
    Tags: { team: 'a' },
    ...overrides,
  };
}

describe('CreateFunction', () => {
  it('stores the code and answers 201 with the FunctionConfiguration', async () => {
    const { app, functions, code } = fakeApp();
    const res = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ MemorySize: 256, Environment: { Variables: { AB: 'c' } } }))
      .expect(201);
    expect(res.body).toMatchObject({
      FunctionName: 'hello',
      FunctionArn: ARN,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 3,
      CodeSize: ZIP.length,
      Version: '$LATEST',
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
      LastModified: '2026-01-02T03:04:05.678+0000',
      Environment: { Variables: { AB: 'c' } },
    });
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(json<FunctionConfigurationBody>(res).RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(json<FunctionConfigurationBody>(res).CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const stored = functions.get('hello')!;
    expect(stored.tags).toEqual({ team: 'a' });
    expect(stored.source).toBe('api');
    expect(code.zips.size).toBe(1);
  });

  it('answers 409 for a duplicate name', async () => {
    const { app } = fakeApp();
    await request(app).post('/2015-03-31/functions').send(createBody()).expect(201);
    const res = await request(app).post('/2015-03-31/functions').send(createBody()).expect(409);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceConflictException');
    expect(json(res).message).toBe('Function already exist: hello');
  });

  it("rejects MemorySize 64 with Lambda's ValidationException", async () => {
    const { app } = fakeApp();
    const res = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ MemorySize: 64 }))
      .expect(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(json(res).message).toBe(
      "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    );
  });

  it('rejects an unsupported runtime, S3 code and images', async () => {
    const { app } = fakeApp();
    const rt = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ Runtime: 'python3.12' }))
      .expect(400);
    expect(rt.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    const s3 = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ Code: { S3Bucket: 'bucket', S3Key: 'k' } }))
      .expect(400);
    expect(s3.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(s3).message).toMatch(/needs an S3 endpoint, and this gateway has none/);
    // An image function takes no Runtime or Handler (image-functions.test.ts has the rest).
    const image = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ PackageType: 'Image', Code: { ImageUri: 'x:1' } }))
      .expect(400);
    expect(json(image).message).toMatch(/Please don't provide Handler or Runtime or Layer/);
  });

  it('rejects bad JSON and a body of 69905067 bytes or more', async () => {
    const { app } = fakeApp();
    const bad = await request(app)
      .post('/2015-03-31/functions')
      .set('Content-Type', 'application/json')
      .send('{oops')
      .expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
    expect(json(bad).message).toMatch(/^Could not parse request body into json: /);
    const huge = Buffer.alloc(69_905_067, 0x20);
    // (superagent would serialise a Buffer sent as application/json; any type is accepted)
    const res = await request(app)
      .post('/2015-03-31/functions')
      .set('Content-Type', 'application/octet-stream')
      .send(huge)
      .expect(413);
    expect(json(res).message).toBe(
      'Request must be smaller than 69905067 bytes for the CreateFunction operation',
    );
  });
});

describe('GetFunction, GetFunctionConfiguration', () => {
  it('returns configuration, a downloadable code location, tags and concurrency', async () => {
    const { app } = fakeApp();
    await request(app).post('/2015-03-31/functions').send(createBody()).expect(201);
    await request(app)
      .put('/2017-10-31/functions/hello/concurrency')
      .send({ ReservedConcurrentExecutions: 5 })
      .expect(200);
    const res = await request(app).get('/2015-03-31/functions/hello').expect(200);
    expect(json<GetFunctionBody>(res).Configuration.FunctionArn).toBe(ARN);
    expect(json<GetFunctionBody>(res).Configuration.State).toBe('Active');
    expect(json<GetFunctionBody>(res).Tags).toEqual({ team: 'a' });
    expect(json<GetFunctionBody>(res).Concurrency).toEqual({ ReservedConcurrentExecutions: 5 });
    expect(json<GetFunctionBody>(res).Code.RepositoryType).toBe('S3');
    const location = new URL(json<GetFunctionBody>(res).Code.Location);
    const zip = await request(app)
      .get(location.pathname)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          done(null, Buffer.concat(chunks));
        });
      })
      .expect(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(Buffer.compare(zip.body as Buffer, ZIP)).toBe(0);
  });

  it('qualifies the ARN for $LATEST, accepts encoded ARNs and a trailing slash', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('hello', record('hello'));
    const q = await request(app)
      .get('/2015-03-31/functions/hello/configuration?Qualifier=$LATEST')
      .expect(200);
    expect(json<FunctionConfigurationBody>(q).FunctionArn).toBe(`${ARN}:$LATEST`);
    const byArn = await request(app)
      .get(`/2015-03-31/functions/${encodeURIComponent(ARN)}/configuration`)
      .expect(200);
    expect(json<FunctionConfigurationBody>(byArn).FunctionArn).toBe(ARN);
    await request(app).get('/2015-03-31/functions/hello/').expect(200);
    await request(app).get('/2015-03-31/functions/').expect(200);
  });

  it('answers 404 for a missing function or version', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('hello', record('hello'));
    const res = await request(app).get('/2015-03-31/functions/nope').expect(404);
    expect(json(res).Message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    );
    const v = await request(app).get('/2015-03-31/functions/hello?Qualifier=3').expect(404);
    expect(json(v).Message).toBe(`Function not found: ${ARN}:3`);
    await request(app).get('/lamina/v1/code/abc').expect(404);
  });
});

describe('ListFunctions', () => {
  it('pages by MaxItems and NextMarker, without state fields', async () => {
    const { app, functions } = fakeApp();
    for (const n of ['c', 'a', 'b', 'e', 'd']) functions.records.set(n, record(n));
    const first = await request(app).get('/2015-03-31/functions?MaxItems=2').expect(200);
    expect(
      json<ListFunctionsBody>(first).Functions.map((f: { FunctionName: string }) => f.FunctionName),
    ).toEqual(['a', 'b']);
    expect(json<ListFunctionsBody>(first).Functions[0]!.State).toBeUndefined();
    expect(json<ListFunctionsBody>(first).Functions[0]!.LastUpdateStatus).toBeUndefined();
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const res = await request(app)
        .get('/2015-03-31/functions/')
        .query({ MaxItems: 2, ...(marker === undefined ? {} : { Marker: marker }) })
        .expect(200);
      names.push(
        ...json<ListFunctionsBody>(res).Functions.map(
          (f: { FunctionName: string }) => f.FunctionName,
        ),
      );
      marker = json<ListFunctionsBody>(res).NextMarker;
    } while (marker !== undefined);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('caps a page at 50 and validates MaxItems', async () => {
    const { app, functions } = fakeApp();
    for (let i = 0; i < 60; i++) functions.records.set(`f${i}`, record(`f${i}`));
    const res = await request(app).get('/2015-03-31/functions?MaxItems=1000').expect(200);
    expect(json<ListFunctionsBody>(res).Functions).toHaveLength(50);
    expect(json<ListFunctionsBody>(res).NextMarker).toBeDefined();
    await request(app).get('/2015-03-31/functions?MaxItems=0').expect(400);
    await request(app).get('/2015-03-31/functions?Marker=%21%21').expect(400);
  });
});

describe('DeleteFunction', () => {
  it('removes the function, its reservation and its environments', async () => {
    const { app, functions, admission, pool } = fakeApp();
    functions.records.set('hello', record('hello'));
    admission.reserved.set('hello', 3);
    await request(app).delete('/2015-03-31/functions/hello').expect(204);
    expect(functions.get('hello')).toBeUndefined();
    expect(admission.reserved.has('hello')).toBe(false);
    expect(pool.evicted).toEqual(['hello']);
    await request(app).delete('/2015-03-31/functions/hello').expect(404);
  });
});

describe('unknown routes', () => {
  it('answers 404 UnknownOperationException', async () => {
    const { app } = fakeApp();
    const res = await request(app).get('/2015-03-31/nothing').expect(404);
    expect(res.headers['x-amzn-errortype']).toBe('UnknownOperationException');
  });
});

describe('VpcConfig and KMSKeyArn (ADR 0039)', () => {
  const KEY = 'arn:aws:kms:us-east-1:000000000000:key/k1';

  it('stores and returns them as AWS shapes them; UpdateFunctionConfiguration clears them', async () => {
    const { app } = fakeApp();
    const created = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ KMSKeyArn: KEY, VpcConfig: { SecurityGroupIds: ['sg-redis'] } }))
      .expect(201);
    expect(created.body).toMatchObject({
      KMSKeyArn: KEY,
      VpcConfig: {
        SubnetIds: [],
        SecurityGroupIds: ['sg-redis'],
        VpcId: 'vpc-lamina',
        Ipv6AllowedForDualStack: false,
      },
    });
    const got = await request(app).get('/2015-03-31/functions/hello/configuration').expect(200);
    expect(got.body).toMatchObject({
      KMSKeyArn: KEY,
      VpcConfig: { SecurityGroupIds: ['sg-redis'] },
    });
  });

  it('refuses a group that cannot name an egress group, and an alias ARN', async () => {
    const { app } = fakeApp();
    const bad = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ VpcConfig: { SecurityGroupIds: ['sg-'] } }))
      .expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    const alias = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:alias/x' }))
      .expect(400);
    expect(json(alias).message).toContain('Key Aliases are not supported');
  });
});
