import { createHash } from 'node:crypto';

import { LIMITS } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { getObjectError, type S3CodeSource, type S3Location } from '../code/s3-code-source.js';
import { LayerVersionStore } from '../layers/layer-version-store.js';
import { fakeApp, type FunctionConfigurationBody, json } from '../test-support/fakes.js';

const V1 = Buffer.from('PK\x03\x04 version one');
const V2 = Buffer.from('PK\x03\x04 version two');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('base64');

/** Objects by `bucket/key[@version]`; a miss is S3's NoSuchKey, as the real fetcher relays it. */
class FakeS3 implements S3CodeSource {
  readonly asked: { location: S3Location; maxBytes: number }[] = [];
  constructor(private readonly objects: Record<string, Buffer>) {}
  getZip(location: S3Location, maxBytes: number): Promise<Buffer> {
    this.asked.push({ location, maxBytes });
    const id = `${location.bucket}/${location.key}${location.version === undefined ? '' : `@${location.version}`}`;
    const zip = this.objects[id];
    if (zip === undefined) return Promise.reject(getObjectError('NoSuchKey', undefined));
    return Promise.resolve(zip);
  }
}

const createBody = (code: Record<string, unknown>) => ({
  FunctionName: 'from-s3',
  Runtime: 'nodejs22.x',
  Role: 'arn:aws:iam::000000000000:role/r',
  Handler: 'index.handler',
  Code: code,
});

describe('code from S3', () => {
  it('creates, updates (a version of the object) and publishes a layer from S3', async () => {
    const s3 = new FakeS3({ 'bkt/app.zip': V1, 'bkt/app.zip@v2': V2, 'bkt/layer.zip': V2 });
    const { app, code } = fakeApp({ s3Code: s3, layers: new LayerVersionStore() });
    const created = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ S3Bucket: 'bkt', S3Key: 'app.zip' }))
      .expect(201);
    expect(json<FunctionConfigurationBody>(created).CodeSha256).toBe(sha(V1));
    expect(s3.asked[0]).toEqual({
      location: { bucket: 'bkt', key: 'app.zip' },
      maxBytes: LIMITS.unzippedMaxBytes,
    });
    expect([...code.zips.values()]).toContainEqual(V1);

    const updated = await request(app)
      .put('/2015-03-31/functions/from-s3/code')
      .send({ S3Bucket: 'bkt', S3Key: 'app.zip', S3ObjectVersion: 'v2' })
      .expect(200);
    expect(json<FunctionConfigurationBody>(updated).CodeSha256).toBe(sha(V2));

    const layer = await request(app)
      .post('/2018-10-31/layers/shared/versions')
      .send({ Content: { S3Bucket: 'bkt', S3Key: 'layer.zip' } })
      .expect(201);
    expect(json<{ Content: { CodeSha256: string } }>(layer).Content.CodeSha256).toBe(sha(V2));
  });

  it("answers S3's error as Lambda does, and refuses mixed or half sources before reading", async () => {
    const s3 = new FakeS3({});
    const { app, functions } = fakeApp({ s3Code: s3 });
    const missing = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ S3Bucket: 'bkt', S3Key: 'nope.zip' }))
      .expect(400);
    expect(missing.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(missing).message).toBe(
      'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    );
    expect(functions.get('from-s3')).toBeUndefined();
    const both = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ S3Bucket: 'bkt', S3Key: 'k', ZipFile: V1.toString('base64') }))
      .expect(400);
    expect(json(both).message).toMatch(/either Code.ZipFile or Code.S3Bucket and Code.S3Key/);
    const half = await request(app)
      .post('/2015-03-31/functions')
      .send(createBody({ S3Bucket: 'bkt' }))
      .expect(400);
    expect(json(half).message).toBe('Code from S3 needs both Code.S3Bucket and Code.S3Key.');
    expect(s3.asked).toHaveLength(1);
  });
});
