import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryVersionStore } from '../local/memory-version-store.js';
import { fakeApp, json, record } from '../test-support/fakes.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const PC = '/2019-09-30/functions/hello/provisioned-concurrency';

interface Config {
  RequestedProvisionedConcurrentExecutions: number;
  AvailableProvisionedConcurrentExecutions: number;
  AllocatedProvisionedConcurrentExecutions: number;
  Status: string;
  StatusReason?: string;
  LastModified: string;
}
interface ListBody {
  ProvisionedConcurrencyConfigs: (Config & { FunctionArn: string })[];
  NextMarker?: string;
}

type App = Awaited<ReturnType<typeof setUp>>['app'];

async function setUp(reserved?: number) {
  const versions = new MemoryVersionStore(ctx);
  const t = fakeApp({ versions });
  const r = record('hello');
  t.functions.records.set(
    'hello',
    reserved === undefined ? r : { ...r, spec: { ...r.spec, reservedConcurrency: reserved } },
  );
  await request(t.app).post('/2015-03-31/functions/hello/versions').send({}).expect(201);
  await request(t.app)
    .post('/2015-03-31/functions/hello/aliases')
    .send({ Name: 'live', FunctionVersion: '1' })
    .expect(201);
  await request(t.app)
    .post('/2015-03-31/functions/hello/aliases')
    .send({ Name: 'edge', FunctionVersion: '$LATEST' })
    .expect(201);
  return { ...t, versions };
}

const put = (app: App, qualifier: string | undefined, n: unknown) =>
  request(app)
    .put(PC)
    .query(qualifier === undefined ? {} : { Qualifier: qualifier })
    .send({ ProvisionedConcurrentExecutions: n });

describe('PutProvisionedConcurrencyConfig', () => {
  it('answers 202 IN_PROGRESS and tells the pool to provision the version', async () => {
    const { app, pool } = await setUp();
    pool.provisionedReady = () => ({ ready: 0 });
    const res = json<Config>(await put(app, '1', 2).expect(202));
    expect(res).toEqual({
      RequestedProvisionedConcurrentExecutions: 2,
      AvailableProvisionedConcurrentExecutions: 0,
      AllocatedProvisionedConcurrentExecutions: 0,
      Status: 'IN_PROGRESS',
      LastModified: '2026-01-02T03:04:05+0000',
    });
    expect(pool.provisionTargets.get('hello:1')).toBe(2);
  });

  it("provisions an alias's version, adding to the version's own config", async () => {
    const { app, pool } = await setUp();
    await put(app, 'live', 1).expect(202);
    await put(app, '1', 2).expect(202);
    expect(pool.provisionTargets.get('hello:1')).toBe(3);
  });

  it('refuses $LATEST and an alias on $LATEST; no qualifier fails the model', async () => {
    const { app } = await setUp();
    for (const q of ['$LATEST', 'edge']) {
      const res = await put(app, q, 1).expect(400);
      expect(res.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
      expect(json(res).message).toContain('$LATEST');
    }
    const none = await put(app, undefined, 1).expect(400);
    expect(none.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(json(none).message).toBe(
      "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null",
    );
  });

  it('answers 404 for an unknown function, version or alias', async () => {
    const { app } = await setUp();
    for (const q of ['7', 'nope']) {
      const res = await put(app, q, 1).expect(404);
      expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    }
    await request(app)
      .put('/2019-09-30/functions/ghost/provisioned-concurrency?Qualifier=1')
      .send({ ProvisionedConcurrentExecutions: 1 })
      .expect(404);
  });

  it('validates ProvisionedConcurrentExecutions', async () => {
    const { app } = await setUp();
    for (const n of [undefined, 0, 1.5, 'two']) {
      const res = await put(app, '1', n).expect(400);
      expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    }
  });

  it("may not exceed the function's reserved concurrency (all qualifiers together)", async () => {
    const { app } = await setUp(3);
    await put(app, '1', 2).expect(202);
    const res = await put(app, 'live', 2).expect(400);
    expect(json(res).message).toContain('reservedConcurrentExecution');
    // A Put replaces the qualifier's own config: 3 fits alone.
    await put(app, '1', 3).expect(202);
    await put(app, '1', 1).expect(202);
    await put(app, 'live', 2).expect(202);
  });

  it("keeps the account's unreserved minimum free", async () => {
    const { app } = await setUp();
    const res = await put(app, '1', 901).expect(400);
    expect(json(res).message).toContain('below its minimum value of [100]');
    await put(app, '1', 900).expect(202);
  });
});

describe('GetProvisionedConcurrencyConfig', () => {
  it('is READY once the pool has initialised all requested environments', async () => {
    const { app, pool } = await setUp();
    let ready = 1;
    pool.provisionedReady = () => ({ ready });
    await put(app, '1', 2).expect(202);
    const first = json<Config>(await request(app).get(PC).query({ Qualifier: '1' }).expect(200));
    expect(first).toMatchObject({
      Status: 'IN_PROGRESS',
      AvailableProvisionedConcurrentExecutions: 1,
    });
    ready = 2;
    const second = json<Config>(await request(app).get(PC).query({ Qualifier: '1' }).expect(200));
    expect(second).toMatchObject({
      Status: 'READY',
      AvailableProvisionedConcurrentExecutions: 2,
      AllocatedProvisionedConcurrentExecutions: 2,
    });
  });

  it('is FAILED with the StatusReason when init failed', async () => {
    const { app, pool } = await setUp();
    pool.provisionedReady = () => ({ ready: 0, failure: 'FUNCTION_ERROR_INIT_FAILURE' });
    await put(app, 'live', 1).expect(202);
    const res = json<Config>(await request(app).get(PC).query({ Qualifier: 'live' }).expect(200));
    expect(res).toMatchObject({ Status: 'FAILED', StatusReason: 'FUNCTION_ERROR_INIT_FAILURE' });
  });

  it('answers 404 ProvisionedConcurrencyConfigNotFoundException without a config', async () => {
    const { app } = await setUp();
    const res = await request(app).get(PC).query({ Qualifier: '1' }).expect(404);
    expect(res.headers['x-amzn-errortype']).toBe('ProvisionedConcurrencyConfigNotFoundException');
    await request(app).get(PC).query({ Qualifier: '$LATEST' }).expect(400);
  });
});

describe('DeleteProvisionedConcurrencyConfig', () => {
  it('answers 204, returns the version to on-demand, then 404', async () => {
    const { app, pool } = await setUp();
    await put(app, '1', 2).expect(202);
    await request(app).delete(PC).query({ Qualifier: '1' }).expect(204);
    expect(pool.provisionTargets.has('hello:1')).toBe(false);
    const res = await request(app).delete(PC).query({ Qualifier: '1' }).expect(404);
    expect(res.headers['x-amzn-errortype']).toBe('ProvisionedConcurrencyConfigNotFoundException');
    await request(app).get(PC).query({ Qualifier: '1' }).expect(404);
  });

  it('a deleted alias takes its config with it', async () => {
    const { app, pool, versions } = await setUp();
    await put(app, 'live', 2).expect(202);
    await versions.deleteAlias('hello', 'live');
    expect(pool.provisionTargets.has('hello:1')).toBe(false);
    const res = await request(app).get(`${PC}?List=ALL`).expect(200);
    expect(json<ListBody>(res).ProvisionedConcurrencyConfigs).toEqual([]);
  });
});

describe('ListProvisionedConcurrencyConfigs', () => {
  it('lists every qualifier with its ARN, paged by MaxItems and Marker', async () => {
    const { app } = await setUp();
    await put(app, 'live', 1).expect(202);
    await put(app, '1', 2).expect(202);
    const first = json<ListBody>(
      await request(app).get(PC).query({ List: 'ALL', MaxItems: 1 }).expect(200),
    );
    expect(first.ProvisionedConcurrencyConfigs).toHaveLength(1);
    expect(first.ProvisionedConcurrencyConfigs[0]).toMatchObject({
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello:1',
      RequestedProvisionedConcurrentExecutions: 2,
    });
    const rest = json<ListBody>(
      await request(app)
        .get(PC)
        .query({ List: 'ALL', Marker: first.NextMarker ?? '' })
        .expect(200),
    );
    expect(rest.ProvisionedConcurrencyConfigs.map((c) => c.FunctionArn)).toEqual([
      'arn:aws:lambda:us-east-1:000000000000:function:hello:live',
    ]);
    expect(rest.NextMarker).toBeUndefined();
  });

  it('answers 404 for an unknown function', async () => {
    const { app } = await setUp();
    await request(app)
      .get('/2019-09-30/functions/ghost/provisioned-concurrency?List=ALL')
      .expect(404);
  });
});
