import { createHash } from 'node:crypto';

import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { LayerVersionStore } from '../layers/layer-version-store.js';
import { MemoryVersionStore } from '../local/memory-version-store.js';
import { fakeApp, json } from '../test-support/fakes.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const LAYER_ARN = 'arn:aws:lambda:us-east-1:000000000000:layer:shared';
const LAYERS = '/2018-10-31/layers';

interface LayerVersion {
  LayerArn: string;
  LayerVersionArn: string;
  Version: number;
  Description: string;
  CreatedDate: string;
  CompatibleRuntimes: string[];
  CompatibleArchitectures: string[];
  LicenseInfo?: string;
  Content: { Location: string; CodeSha256: string; CodeSize: number };
}

function setUp() {
  const layers = new LayerVersionStore();
  const versions = new MemoryVersionStore(ctx);
  const t = fakeApp({ layers, versions });
  return { ...t, layers };
}

const zipOf = (text: string): string => Buffer.from(text).toString('base64');

const publish = (app: ReturnType<typeof setUp>['app'], name: string, body: object = {}) =>
  request(app)
    .post(`${LAYERS}/${name}/versions`)
    .send({ Content: { ZipFile: zipOf(`zip of ${name}`) }, ...body });

const createFunction = (app: ReturnType<typeof setUp>['app'], body: object) =>
  request(app)
    .post('/2015-03-31/functions')
    .send({
      FunctionName: 'fn',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::000000000000:role/r',
      Handler: 'index.handler',
      Code: { ZipFile: zipOf('code') },
      ...body,
    });

describe('PublishLayerVersion / GetLayerVersion', () => {
  it('numbers versions from 1 with AWS shapes and the base64 SHA-256 of the zip', async () => {
    const { app } = setUp();
    const v1 = json<LayerVersion>(
      await publish(app, 'shared', {
        Description: 'one',
        CompatibleRuntimes: ['nodejs22.x', 'python3.11'],
        CompatibleArchitectures: ['x86_64'],
        LicenseInfo: 'MIT',
      }).expect(201),
    );
    expect(v1).toMatchObject({
      LayerArn: LAYER_ARN,
      LayerVersionArn: `${LAYER_ARN}:1`,
      Version: 1,
      Description: 'one',
      CreatedDate: '2026-01-02T03:04:05.678+0000',
      CompatibleRuntimes: ['nodejs22.x', 'python3.11'],
      CompatibleArchitectures: ['x86_64'],
      LicenseInfo: 'MIT',
      Content: {
        CodeSha256: createHash('sha256').update('zip of shared').digest('base64'),
        CodeSize: 'zip of shared'.length,
      },
    });
    expect(v1.Content.Location).toMatch(/\/lamina\/v1\/code\/[0-9a-f]{64}/);
    const v2 = json<LayerVersion>(await publish(app, LAYER_ARN).expect(201));
    expect(v2.LayerVersionArn).toBe(`${LAYER_ARN}:2`);
    const got = json<LayerVersion>(
      await request(app).get(`${LAYERS}/shared/versions/1`).expect(200),
    );
    // Location is an URL of the server supertest started for that request.
    expect({ ...got, Content: { ...got.Content, Location: '' } }).toEqual({
      ...v1,
      Content: { ...v1.Content, Location: '' },
    });
    const byArn = await request(app)
      .get(LAYERS)
      .query({ find: 'LayerVersion', Arn: `${LAYER_ARN}:2` })
      .expect(200);
    expect(json<LayerVersion>(byArn).Version).toBe(2);
  });

  it("refuses S3 content without an endpoint, a bad name and a missing version with AWS's errors", async () => {
    const { app } = setUp();
    const s3 = await request(app)
      .post(`${LAYERS}/shared/versions`)
      .send({ Content: { S3Bucket: 'bucket', S3Key: 'k' } })
      .expect(400);
    expect(json(s3)).toMatchObject({ Type: 'User' });
    expect(s3.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(s3).message ?? json(s3).Message).toMatch(/needs an S3 endpoint/);
    const bad = await publish(app, 'bad%20name').expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('ValidationException');
    const missing = await request(app).get(`${LAYERS}/shared/versions/9`).expect(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    const badArn = await request(app)
      .get(LAYERS)
      .query({ find: 'LayerVersion', Arn: 'arn:nope' })
      .expect(400);
    expect(badArn.headers['x-amzn-errortype']).toBe('ValidationException');
  });

  it('never reuses a number after DeleteLayerVersion, which is idempotent', async () => {
    const { app } = setUp();
    await publish(app, 'shared').expect(201);
    await request(app).delete(`${LAYERS}/shared/versions/1`).expect(204);
    await request(app).delete(`${LAYERS}/shared/versions/1`).expect(204);
    await request(app).get(`${LAYERS}/shared/versions/1`).expect(404);
    expect(json<LayerVersion>(await publish(app, 'shared').expect(201)).Version).toBe(2);
  });
});

describe('ListLayerVersions / ListLayers', () => {
  it('lists versions newest first with paging, and each layer with its latest match', async () => {
    const { app } = setUp();
    await publish(app, 'a', { CompatibleRuntimes: ['nodejs22.x'] }).expect(201);
    await publish(app, 'a', { CompatibleRuntimes: ['python3.11'] }).expect(201);
    await publish(app, 'a', { CompatibleRuntimes: ['nodejs22.x'] }).expect(201);
    await publish(app, 'b', { CompatibleRuntimes: ['python3.11'] }).expect(201);
    const page1 = await request(app).get(`${LAYERS}/a/versions`).query({ MaxItems: 2 }).expect(200);
    const body1 = json<{ LayerVersions: LayerVersion[]; NextMarker?: string }>(page1);
    expect(body1.LayerVersions.map((v) => v.Version)).toEqual([3, 2]);
    const page2 = await request(app)
      .get(`${LAYERS}/a/versions`)
      .query({ MaxItems: 2, Marker: body1.NextMarker })
      .expect(200);
    const body2 = json<{ LayerVersions: LayerVersion[]; NextMarker?: string }>(page2);
    expect(body2.LayerVersions.map((v) => v.Version)).toEqual([1]);
    expect(body2.NextMarker).toBeUndefined();

    interface Listed {
      Layers: { LayerName: string; LayerArn: string; LatestMatchingVersion: LayerVersion }[];
    }
    const all = json<Listed>(await request(app).get(LAYERS).expect(200));
    expect(all.Layers.map((l) => [l.LayerName, l.LatestMatchingVersion.Version])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    const py = json<Listed>(
      await request(app).get(LAYERS).query({ CompatibleRuntime: 'python3.11' }).expect(200),
    );
    expect(py.Layers.map((l) => [l.LayerName, l.LatestMatchingVersion.Version])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });
});

describe('function Layers', () => {
  it('resolves up to five layers, shows them, and keeps them after the version is deleted', async () => {
    const { app, functions, layers } = setUp();
    const l1 = json<LayerVersion>(await publish(app, 'one').expect(201));
    const l2 = json<LayerVersion>(await publish(app, 'two').expect(201));
    const created = await createFunction(app, {
      Layers: [l1.LayerVersionArn, l2.LayerVersionArn],
    }).expect(201);
    expect(json<{ Layers: unknown }>(created).Layers).toEqual([
      { Arn: l1.LayerVersionArn, CodeSize: l1.Content.CodeSize },
      { Arn: l2.LayerVersionArn, CodeSize: l2.Content.CodeSize },
    ]);
    expect(functions.records.get('fn')?.spec.layers?.map((l) => l.sha256)).toEqual([
      l1.Content.CodeSha256,
      l2.Content.CodeSha256,
    ]);
    await request(app).delete(`${LAYERS}/one/versions/1`).expect(204);
    expect(layers.list('one')).toEqual([]);
    const got = await request(app).get('/2015-03-31/functions/fn/configuration').expect(200);
    expect(json<{ Layers: { Arn: string }[] }>(got).Layers[0]?.Arn).toBe(l1.LayerVersionArn);
    // A version freezes the layers.
    const v1 = await request(app).post('/2015-03-31/functions/fn/versions').send({}).expect(201);
    expect(json<{ Layers: unknown[] }>(v1).Layers).toHaveLength(2);
  });

  it("refuses a missing version, more than five, and one layer twice, with AWS's errors", async () => {
    const { app } = setUp();
    const l1 = json<LayerVersion>(await publish(app, 'one').expect(201));
    const missing = await createFunction(app, { Layers: [`${LAYER_ARN}:7`] }).expect(400);
    expect(missing.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(missing).message ?? json(missing).Message).toBe(
      `Layer version ${LAYER_ARN}:7 does not exist.`,
    );
    const six = await createFunction(app, {
      Layers: Array.from({ length: 6 }, (_, i) => `${LAYER_ARN}${String(i)}:1`),
    }).expect(400);
    expect(json(six).message ?? json(six).Message).toBe('Cannot reference more than 5 layers.');
    const twice = await createFunction(app, {
      Layers: [l1.LayerVersionArn, l1.LayerVersionArn.replace(/:1$/, ':2')],
    }).expect(400);
    expect(twice.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    const malformed = await createFunction(app, { Layers: ['not-an-arn'] }).expect(400);
    expect(malformed.headers['x-amzn-errortype']).toBe('ValidationException');
  });

  it('UpdateFunctionConfiguration replaces the layers, and [] removes them', async () => {
    const { app } = setUp();
    const l1 = json<LayerVersion>(await publish(app, 'one').expect(201));
    const l2 = json<LayerVersion>(await publish(app, 'two').expect(201));
    await createFunction(app, { Layers: [l1.LayerVersionArn] }).expect(201);
    const cfg = '/2015-03-31/functions/fn/configuration';
    const other = await request(app).put(cfg).send({ Timeout: 9 }).expect(200);
    expect(json<{ Layers: unknown[] }>(other).Layers).toHaveLength(1);
    const swapped = await request(app)
      .put(cfg)
      .send({ Layers: [l2.LayerVersionArn, l1.LayerVersionArn] })
      .expect(200);
    expect(json<{ Layers: { Arn: string }[] }>(swapped).Layers.map((l) => l.Arn)).toEqual([
      l2.LayerVersionArn,
      l1.LayerVersionArn,
    ]);
    const none = await request(app).put(cfg).send({ Layers: [] }).expect(200);
    expect(json<{ Layers?: unknown }>(none).Layers).toBeUndefined();
  });
});
