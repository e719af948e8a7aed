import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp } from '../test-support/fakes.js';
import { CODE_STORAGE_EXCEEDED_MESSAGE } from './code-storage-quota.js';

const zip = (n: number) => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(n - 4, 1)]);

const createBody = (name: string, size: number) => ({
  FunctionName: name,
  Runtime: 'nodejs22.x',
  Role: 'arn:aws:iam::000000000000:role/r',
  Handler: 'index.handler',
  Code: { ZipFile: zip(size).toString('base64') },
});

describe('code storage quota', () => {
  it('refuses code past the limit with AWS error, and deleting frees the room at once', async () => {
    const { app } = fakeApp({ codeStorageLimitBytes: 1000 });
    await request(app).post('/2015-03-31/functions').send(createBody('a', 600)).expect(201);
    const refused = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody('b', 600))
      .expect(400);
    expect(refused.headers['x-amzn-errortype']).toBe('CodeStorageExceededException');
    expect(refused.body).toMatchObject({
      Type: 'User',
      message: CODE_STORAGE_EXCEEDED_MESSAGE,
    });
    // UpdateFunctionCode and PublishLayerVersion are held to the same limit.
    await request(app)
      .put('/2015-03-31/functions/a/code')
      .send({ ZipFile: zip(500).toString('base64') })
      .expect(400);
    await request(app)
      .post('/2018-10-31/layers/l/versions')
      .send({ Content: { ZipFile: zip(500).toString('base64') } })
      .expect(400);
    const settings = await request(app).get('/2016-08-19/account-settings').expect(200);
    expect(settings.body).toMatchObject({
      AccountLimit: { TotalCodeSize: 1000 },
      AccountUsage: { TotalCodeSize: 600 },
    });
    await request(app).delete('/2015-03-31/functions/a').expect(204);
    await request(app).post('/2015-03-31/functions').send(createBody('b', 600)).expect(201);
  });

  it('counts a published version again, as AWS does', async () => {
    const { app } = fakeApp({ codeStorageLimitBytes: 1000 });
    await request(app).post('/2015-03-31/functions').send(createBody('a', 600)).expect(201);
    const refused = await request(app).post('/2015-03-31/functions/a/versions').send({});
    expect(refused.status).toBe(400);
    expect(refused.headers['x-amzn-errortype']).toBe('CodeStorageExceededException');
  });

  it('defaults to Lambda 75 GB', async () => {
    const { app } = fakeApp();
    const settings = await request(app).get('/2016-08-19/account-settings').expect(200);
    expect(settings.body).toMatchObject({ AccountLimit: { TotalCodeSize: 80_530_636_800 } });
  });
});
