import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp } from '../test-support/fakes.js';

const DIGEST = 'a'.repeat(64);
const IMAGE = 'registry.local:5000/team/hello:v1';

function imageBody(overrides: Record<string, unknown> = {}) {
  return {
    FunctionName: 'img',
    Role: 'arn:aws:iam::000000000000:role/r',
    PackageType: 'Image',
    Code: { ImageUri: IMAGE },
    ...overrides,
  };
}

const errorOf = (res: request.Response) => ({
  type: String(res.headers['x-amzn-errortype']),
  message: (res.body as { message?: string }).message,
});

describe('container-image functions (PackageType Image)', () => {
  it('creates one and shows PackageType, ImageConfigResponse and the image in GetFunction', async () => {
    const { app, code } = fakeApp();
    const res = await request(app)
      .post('/2015-03-31/functions')
      .send(imageBody({ ImageConfig: { Command: ['app.handler'], WorkingDirectory: '/var/task' } }))
      .expect(201);
    expect(res.body).toMatchObject({
      FunctionName: 'img',
      PackageType: 'Image',
      CodeSize: 0,
      ImageConfigResponse: {
        ImageConfig: { Command: ['app.handler'], WorkingDirectory: '/var/task' },
      },
    });
    const body = res.body as Record<string, unknown>;
    expect(body['Runtime']).toBeUndefined();
    expect(body['Handler']).toBeUndefined();
    expect(body['CodeSha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(code.zips.size).toBe(0);
    const got = await request(app).get('/2015-03-31/functions/img').expect(200);
    expect(got.body).toMatchObject({
      Code: { RepositoryType: 'ECR', ImageUri: IMAGE, ResolvedImageUri: IMAGE },
      Configuration: { PackageType: 'Image' },
    });
  });

  it('takes a digest as the CodeSha256', async () => {
    const { app } = fakeApp();
    const uri = `hello@sha256:${DIGEST}`;
    const res = await request(app)
      .post('/2015-03-31/functions')
      .send(imageBody({ Code: { ImageUri: uri } }))
      .expect(201);
    expect((res.body as { CodeSha256: string }).CodeSha256).toBe(DIGEST);
  });

  it.each([[{ Runtime: 'nodejs22.x' }], [{ Handler: 'index.handler' }]])(
    'refuses %j with PackageType Image, as Lambda does',
    async (extra) => {
      const { app } = fakeApp();
      const res = await request(app)
        .post('/2015-03-31/functions')
        .send(imageBody(extra))
        .expect(400);
      expect(errorOf(res)).toEqual({
        type: 'InvalidParameterValueException',
        message:
          "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.",
      });
    },
  );

  it.each(['hello', 'Hello:v1', 'registry.local:5000/hello', 'hello@sha256:abc', ''])(
    'refuses the ImageUri %j (a tag or a digest is required)',
    async (uri) => {
      const { app } = fakeApp();
      const res = await request(app)
        .post('/2015-03-31/functions')
        .send(imageBody({ Code: { ImageUri: uri } }))
        .expect(400);
      expect(errorOf(res).type).toBe('InvalidParameterValueException');
    },
  );

  it('refuses an ImageUri for a Zip function and ImageConfig without PackageType Image', async () => {
    const { app } = fakeApp();
    const zip = {
      FunctionName: 'z',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/r',
    };
    const a = await request(app)
      .post('/2015-03-31/functions')
      .send({ ...zip, Code: { ImageUri: IMAGE } })
      .expect(400);
    expect(errorOf(a).type).toBe('InvalidParameterValueException');
    const b = await request(app)
      .post('/2015-03-31/functions')
      .send({ ...zip, Code: { ZipFile: 'UEsDBA==' }, ImageConfig: { Command: ['x'] } })
      .expect(400);
    expect(errorOf(b).type).toBe('InvalidParameterValueException');
    const c = await request(app)
      .post('/2015-03-31/functions')
      .send({ ...zip, PackageType: 'Docker', Code: { ZipFile: 'UEsDBA==' } })
      .expect(400);
    expect(errorOf(c).type).toBe('ValidationException');
  });

  it('UpdateFunctionCode takes a new ImageUri (and refuses a zip); versions freeze the image', async () => {
    const { app } = fakeApp();
    await request(app)
      .post('/2015-03-31/functions')
      .send(imageBody({ Publish: true }))
      .expect(201);
    const zip = await request(app)
      .put('/2015-03-31/functions/img/code')
      .send({ ZipFile: 'UEsDBA==' })
      .expect(400);
    expect(errorOf(zip).message).toBe(
      'Please provide ImageUri when updating a function with packageType Image.',
    );
    const v2 = 'registry.local:5000/team/hello:v2';
    await request(app)
      .put('/2015-03-31/functions/img/code')
      .send({ ImageUri: v2, Publish: true })
      .expect(200);
    const one = await request(app).get('/2015-03-31/functions/img?Qualifier=1').expect(200);
    const two = await request(app).get('/2015-03-31/functions/img?Qualifier=2').expect(200);
    expect((one.body as { Code: { ImageUri: string } }).Code.ImageUri).toBe(IMAGE);
    expect((two.body as { Code: { ImageUri: string } }).Code.ImageUri).toBe(v2);
  });

  it('UpdateFunctionConfiguration replaces ImageConfig and refuses a Runtime', async () => {
    const { app } = fakeApp();
    await request(app).post('/2015-03-31/functions').send(imageBody()).expect(201);
    const res = await request(app)
      .put('/2015-03-31/functions/img/configuration')
      .send({ ImageConfig: { EntryPoint: ['/lambda-entrypoint.sh'], Command: ['b.handler'] } })
      .expect(200);
    expect(res.body).toMatchObject({
      ImageConfigResponse: {
        ImageConfig: { EntryPoint: ['/lambda-entrypoint.sh'], Command: ['b.handler'] },
      },
    });
    const cleared = await request(app)
      .put('/2015-03-31/functions/img/configuration')
      .send({ ImageConfig: {} })
      .expect(200);
    expect((cleared.body as Record<string, unknown>)['ImageConfigResponse']).toBeUndefined();
    const bad = await request(app)
      .put('/2015-03-31/functions/img/configuration')
      .send({ Runtime: 'nodejs22.x' })
      .expect(400);
    expect(errorOf(bad).type).toBe('InvalidParameterValueException');
  });
});
