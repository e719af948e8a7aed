import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { MemoryVersionStore } from '../local/memory-version-store.js';
import { fakeApp, json, record } from '../test-support/fakes.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:hello';
const FN = '/2015-03-31/functions/hello';

interface Config {
  Version: string;
  FunctionArn: string;
  RevisionId: string;
  CodeSha256: string;
  Description: string;
  MemorySize: number;
  Environment: { Variables: Record<string, string> };
}
interface Alias {
  AliasArn: string;
  FunctionVersion: string;
  RevisionId: string;
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
}

function setUp() {
  const versions = new MemoryVersionStore(ctx);
  const draw = { value: 0.5 };
  const t = fakeApp({ versions, random: () => draw.value });
  t.functions.records.set('hello', record('hello'));
  t.pool.handler = (fn, invocation) => ({
    payload: Buffer.from(JSON.stringify({ code: fn.codeDir, arn: invocation.invokedFunctionArn })),
    executedVersion: fn.version,
    coldStart: false,
    durationMs: 1,
  });
  const setCode = (location: string, sha256: string): void => {
    const r = t.functions.records.get('hello')!;
    t.functions.records.set('hello', {
      ...r,
      code: { sha256, size: 1, location },
      revisionId: `rev-${sha256}`,
    });
  };
  return { ...t, versions, draw, setCode };
}

const publish = (app: ReturnType<typeof setUp>['app'], body: object = {}) =>
  request(app).post(`${FN}/versions`).send(body);

describe('PublishVersion', () => {
  it('publishes 1, returns 1 again while nothing changed, then 2', async () => {
    const { app, setCode } = setUp();
    const v1 = json<Config>(await publish(app).expect(201));
    expect(v1).toMatchObject({ Version: '1', FunctionArn: `${ARN}:1`, CodeSha256: 'c2hh' });
    expect(json<Config>(await publish(app).expect(201)).RevisionId).toBe(v1.RevisionId);
    setCode('/code/two', 'dHdv');
    const v2 = json<Config>(await publish(app, { Description: 'two' }).expect(201));
    expect(v2).toMatchObject({ Version: '2', Description: 'two', CodeSha256: 'dHdv' });
  });

  it('checks CodeSha256 and RevisionId against $LATEST', async () => {
    const { app } = setUp();
    const bad = await publish(app, { CodeSha256: 'other' }).expect(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidParameterValueException');
    expect(json(bad).message).toBe(
      'CodeSHA256 (other) is different from current CodeSHA256 in $LATEST (c2hh). Please try again with the CodeSHA256 in $LATEST.',
    );
    const stale = await publish(app, { RevisionId: 'old' }).expect(412);
    expect(stale.headers['x-amzn-errortype']).toBe('PreconditionFailedException');
    await publish(app, { RevisionId: 'rev-hello', CodeSha256: 'c2hh' }).expect(201);
    await request(app).post('/2015-03-31/functions/nope/versions').send({}).expect(404);
  });

  it('lists $LATEST then versions, in pages', async () => {
    const { app, setCode } = setUp();
    await publish(app);
    setCode('/code/two', 'dHdv');
    await publish(app);
    const all = json<{ Versions: Config[] }>(await request(app).get(`${FN}/versions`).expect(200));
    expect(all.Versions.map((v) => [v.Version, v.FunctionArn])).toEqual([
      ['$LATEST', `${ARN}:$LATEST`],
      ['1', `${ARN}:1`],
      ['2', `${ARN}:2`],
    ]);
    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const page = json<{ Versions: Config[]; NextMarker?: string }>(
        await request(app)
          .get(`${FN}/versions?MaxItems=1${marker === '' ? '' : `&Marker=${marker}`}`)
          .expect(200),
      );
      seen.push(...page.Versions.map((v) => v.Version));
      if (page.NextMarker === undefined) break;
      marker = page.NextMarker;
    }
    expect(seen).toEqual(['$LATEST', '1', '2']);
  });
});

describe('ListFunctions?FunctionVersion=ALL', () => {
  it('lists every version of every function with qualified ARNs, in pages', async () => {
    const { app, functions } = setUp();
    functions.records.set('abc', record('abc'));
    await publish(app);
    const rows: [string, string][] = [];
    let marker = '';
    for (;;) {
      const page = json<{ Functions: (Config & { State?: string })[]; NextMarker?: string }>(
        await request(app)
          .get(
            `/2015-03-31/functions?FunctionVersion=ALL&MaxItems=2${marker === '' ? '' : `&Marker=${marker}`}`,
          )
          .expect(200),
      );
      for (const f of page.Functions) {
        expect(f.State).toBeUndefined();
        rows.push([f.Version, f.FunctionArn]);
      }
      if (page.NextMarker === undefined) break;
      marker = page.NextMarker;
    }
    expect(rows).toEqual([
      ['$LATEST', 'arn:aws:lambda:us-east-1:000000000000:function:abc:$LATEST'],
      ['$LATEST', `${ARN}:$LATEST`],
      ['1', `${ARN}:1`],
    ]);
    const plain = json<{ Functions: Config[] }>(
      await request(app).get('/2015-03-31/functions').expect(200),
    );
    expect(plain.Functions.map((f) => f.FunctionArn)).toEqual([
      'arn:aws:lambda:us-east-1:000000000000:function:abc',
      ARN,
    ]);
  });
});

describe('qualified GetFunction, GetFunctionConfiguration, DeleteFunction', () => {
  it('reads versions and aliases, 404 for unknown qualifiers', async () => {
    const { app } = setUp();
    await publish(app);
    await request(app)
      .post(`${FN}/aliases`)
      .send({ Name: 'prod', FunctionVersion: '1' })
      .expect(201);
    const v1 = json<Config>(await request(app).get(`${FN}/configuration?Qualifier=1`).expect(200));
    expect(v1).toMatchObject({ Version: '1', FunctionArn: `${ARN}:1` });
    const viaAlias = json<{ Configuration: Config }>(
      await request(app).get(`${FN}:prod`).expect(200),
    );
    expect(viaAlias.Configuration).toMatchObject({ Version: '1', FunctionArn: `${ARN}:prod` });
    const latest = json<Config>(await request(app).get(`${FN}/configuration`).expect(200));
    expect(latest).toMatchObject({ Version: '$LATEST', FunctionArn: ARN });
    const missing = await request(app).get(`${FN}?Qualifier=7`).expect(404);
    expect(json(missing).Message).toBe(`Function not found: ${ARN}:7`);
  });

  it('deletes a version unless an alias uses it', async () => {
    const { app, versions } = setUp();
    await publish(app);
    await request(app).post(`${FN}/aliases`).send({ Name: 'prod', FunctionVersion: '1' });
    const inUse = await request(app).delete(`${FN}?Qualifier=1`).expect(409);
    expect(json(inUse).message).toContain('[prod]');
    await request(app).delete(`${FN}/aliases/prod`).expect(204);
    await request(app).delete(`${FN}:1`).expect(204);
    expect(versions.listVersions('hello')).toEqual([]);
    await request(app).delete(`${FN}?Qualifier=$LATEST`).expect(400);
  });

  it('deleting the function deletes its versions', async () => {
    const { app, versions } = setUp();
    await publish(app);
    await request(app).delete(FN).expect(204);
    expect(versions.listVersions('hello')).toEqual([]);
  });
});

describe('aliases', () => {
  it('creates, reads, lists, updates under RevisionId and deletes', async () => {
    const { app, setCode } = setUp();
    await publish(app);
    setCode('/code/two', 'dHdv');
    await publish(app);
    const created = json<Alias>(
      await request(app)
        .post(`${FN}/aliases`)
        .send({ Name: 'prod', FunctionVersion: '1', Description: 'live' })
        .expect(201),
    );
    expect(created).toMatchObject({ AliasArn: `${ARN}:prod`, FunctionVersion: '1' });
    expect(created.RoutingConfig).toBeUndefined();
    const stale = await request(app)
      .put(`${FN}/aliases/prod`)
      .send({ FunctionVersion: '2', RevisionId: 'old' })
      .expect(412);
    expect(json(stale).message).toContain('GetAlias');
    const updated = json<Alias>(
      await request(app)
        .put(`${FN}/aliases/prod`)
        .send({
          RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } },
          RevisionId: created.RevisionId,
        })
        .expect(200),
    );
    expect(updated.RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.25 } });
    expect(updated.RevisionId).not.toBe(created.RevisionId);
    const got = json<Alias>(await request(app).get(`${FN}/aliases/prod`).expect(200));
    expect(got).toEqual(updated);
    const list = json<{ Aliases: Alias[] }>(
      await request(app).get(`${FN}/aliases?FunctionVersion=2`).expect(200),
    );
    expect(list.Aliases).toHaveLength(1);
    await request(app).delete(`${FN}/aliases/prod`).expect(204);
    await request(app).get(`${FN}/aliases/prod`).expect(404);
    await request(app).delete(`${FN}/aliases/prod`).expect(404);
  });

  it('refuses bad names, unknown versions and bad routing', async () => {
    const { app } = setUp();
    await publish(app);
    const create = (body: object) => request(app).post(`${FN}/aliases`).send(body);
    expect((await create({ Name: '42', FunctionVersion: '1' })).status).toBe(400);
    expect((await create({ Name: 'a', FunctionVersion: 'x' })).status).toBe(400);
    expect((await create({ Name: 'a', FunctionVersion: '5' })).status).toBe(400);
    const latestWeighted = await create({
      Name: 'a',
      FunctionVersion: '$LATEST',
      RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
    });
    expect(json(latestWeighted).message).toBe(
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    await create({ Name: 'a', FunctionVersion: '1' }).expect(201);
    await create({ Name: 'a', FunctionVersion: '1' }).expect(409);
  });
});

describe('Invoke with qualifiers', () => {
  it('runs the version an alias names, weighted by one random draw', async () => {
    const { app, setCode, draw } = setUp();
    await publish(app);
    setCode('/code/two', 'dHdv');
    await publish(app);
    setCode('/code/three', 'dGhyZWU=');
    await request(app)
      .post(`${FN}/aliases`)
      .send({
        Name: 'prod',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
      })
      .expect(201);
    const call = async (path: string) => {
      const res = await request(app).post(path).send('{}').expect(200);
      return {
        version: res.headers['x-amz-executed-version']!,
        ...json<{ code: string; arn: string }>({ body: JSON.parse(res.text) as unknown }),
      };
    };
    draw.value = 0.29;
    expect(await call(`${FN}:prod/invocations`)).toEqual({
      version: '2',
      code: '/code/two',
      arn: `${ARN}:prod`,
    });
    draw.value = 0.3;
    expect(await call(`${FN}/invocations?Qualifier=prod`)).toMatchObject({
      version: '1',
      code: '/fake/code/hello',
    });
    expect(await call(`${FN}:2/invocations`)).toEqual({
      version: '2',
      code: '/code/two',
      arn: `${ARN}:2`,
    });
    expect(await call(`${FN}/invocations`)).toEqual({
      version: '$LATEST',
      code: '/code/three',
      arn: ARN,
    });
    expect((await call(`${FN}:$LATEST/invocations`)).arn).toBe(`${ARN}:$LATEST`);
    const missing = await request(app).post(`${FN}:9/invocations`).send('{}').expect(404);
    expect(json(missing).Message).toBe(`Function not found: ${ARN}:9`);
    await request(app).post(`${FN}:nope/invocations`).send('{}').expect(404);
  });

  it('an alias of $LATEST runs $LATEST with the alias ARN', async () => {
    const { app } = setUp();
    await request(app)
      .post(`${FN}/aliases`)
      .send({ Name: 'dev', FunctionVersion: '$LATEST' })
      .expect(201);
    const res = await request(app).post(`${FN}:dev/invocations`).send('{}').expect(200);
    expect(res.headers['x-amz-executed-version']).toBe('$LATEST');
    expect((JSON.parse(res.text) as { arn: string }).arn).toBe(`${ARN}:dev`);
  });
});

describe('UpdateFunctionCode and UpdateFunctionConfiguration', () => {
  const zip = Buffer.from('PK fake zip').toString('base64');

  it('replaces the code under a RevisionId, and publishes when asked', async () => {
    const { app, functions } = setUp();
    const stale = await request(app)
      .put(`${FN}/code`)
      .send({ ZipFile: zip, RevisionId: 'old' })
      .expect(412);
    expect(stale.headers['x-amzn-errortype']).toBe('PreconditionFailedException');
    const out = json<Config>(
      await request(app)
        .put(`${FN}/code`)
        .send({ ZipFile: zip, RevisionId: 'rev-hello' })
        .expect(200),
    );
    expect(out.Version).toBe('$LATEST');
    expect(out.RevisionId).not.toBe('rev-hello');
    expect(functions.get('hello')?.code.sha256).toBe(out.CodeSha256);
    const published = json<Config>(
      await request(app).put(`${FN}/code`).send({ ZipFile: zip, Publish: true }).expect(200),
    );
    expect(published).toMatchObject({ Version: '1', CodeSha256: out.CodeSha256 });
    await request(app).put(`${FN}:1/code`).send({ ZipFile: zip }).expect(400);
  });

  it('DryRun stores nothing', async () => {
    const { app, functions } = setUp();
    const before = functions.get('hello');
    await request(app).put(`${FN}/code`).send({ ZipFile: zip, DryRun: true }).expect(200);
    expect(functions.get('hello')).toBe(before);
  });

  it('merges configuration, validates it and checks RevisionId', async () => {
    const { app, functions } = setUp();
    const out = json<Config>(
      await request(app)
        .put(`${FN}/configuration`)
        .send({ MemorySize: 512, Environment: { Variables: { AB: 'b' } }, RevisionId: 'rev-hello' })
        .expect(200),
    );
    expect(out).toMatchObject({ MemorySize: 512, Environment: { Variables: { AB: 'b' } } });
    expect(functions.get('hello')?.spec.handler).toBe('index.handler');
    await request(app).put(`${FN}/configuration`).send({ MemorySize: 64 }).expect(400);
    await request(app)
      .put(`${FN}/configuration`)
      .send({ Timeout: 9, RevisionId: 'rev-hello' })
      .expect(412);
  });
});
