import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionCommand as DeleteVersionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { loadClusterConfig } from '../../services/gateway/src/cluster-config.js';
import { type ClusterGatewayHandle, startClusterGateway } from '../../services/gateway/src/main.js';
import {
  buildOperator,
  createNamespace,
  deleteNamespace,
  getJson,
  installCrds,
  kubectlOk,
} from './support/cluster.js';

// The cluster-mode gateway in this process against the real API server: the unmodified AWS SDK
// writes Function, FunctionVersion and Alias resources. No operator runs, so functions stay
// Pending, and no worker pods exist, so invoke answers 502 after the (shortened) cold-start wait.

interface Obj {
  metadata: { name: string; annotations?: Record<string, string>; ownerReferences?: unknown[] };
  spec: Record<string, unknown>;
}

function zipOf(source: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'gw-zip-'));
  try {
    writeFileSync(join(dir, 'index.mjs'), source);
    return execFileSync('zip', ['-q', '-X', '-', 'index.mjs'], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hex = (zip: Buffer): string => createHash('sha256').update(zip).digest('hex');
const get = (ns: string, kind: string, name: string) =>
  getJson<Obj>(['get', `${kind}.lamina.dev`, name, '-n', ns]);
const names = async (ns: string, kind: string): Promise<string[]> => {
  const list = await getJson<{ items: Obj[] }>(['get', `${kind}.lamina.dev`, '-n', ns]);
  return (list?.items ?? []).map((i) => i.metadata.name).sort();
};

/**
 * Plays the operator (none runs here): reports `name`'s current generation as settled (or another
 * state), as the operator's status would, so the gateway's state machine (ADR 0033) lets the next
 * change through. Waits until the gateway's cache shows it.
 */
async function reportStatus(
  ns: string,
  name: string,
  client: { send: LambdaClient['send'] },
  state: 'Active' | 'Pending' = 'Active',
): Promise<void> {
  const fn = await getJson<{ metadata: { generation?: number } }>([
    'get',
    'functions.lamina.dev',
    name,
    '-n',
    ns,
  ]);
  const generation = fn?.metadata.generation ?? 1;
  const status = { observedGeneration: generation, state, lastUpdateStatus: 'Successful' };
  await kubectlOk([
    'patch',
    '-n',
    ns,
    'functions.lamina.dev',
    name,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
  await eventually(
    async () => {
      const c = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      return c.State === state && (state === 'Pending' || c.LastUpdateStatus === 'Successful')
        ? c
        : undefined;
    },
    { what: `${name} ${state}` },
  );
}

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode ?? 0, message: e.message };
  }
  throw new Error('expected the call to fail');
}

describe('gateway in cluster mode: the Lambda API on custom resources', () => {
  let ns = '';
  let codeDir = '';
  let gateway: ClusterGatewayHandle;
  let lambda: LambdaClient;
  const zip1 = zipOf('export const handler = async () => 1;\n');
  const zip2 = zipOf('export const handler = async () => 2;\n');
  const zip3 = zipOf('export const handler = async () => 3;\n');

  beforeAll(async () => {
    await Promise.all([installCrds(), buildOperator()]);
    ns = await createNamespace('gw');
    codeDir = mkdtempSync(join(tmpdir(), 'gw-code-'));
    const config = loadClusterConfig({
      REDIS_URL: testEnv.require('REDIS_URL'),
      LAMINA_PORT: '0',
      LAMINA_NAMESPACE: ns,
      LAMINA_CODE_DIR: codeDir,
      LAMINA_STATE_DIR: codeDir,
      LAMINA_REDIS_PREFIX: uniqueName('gw'),
      LAMINA_COLD_START_WAIT_MS: '1000',
    });
    const kc = new KubeConfig();
    kc.loadFromDefault();
    gateway = await startClusterGateway({
      config,
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    lambda = lambdaClient(gateway.url);
  });

  afterAll(async () => {
    lambda.destroy();
    await gateway.stop();
    await deleteNamespace(ns);
    rmSync(codeDir, { recursive: true, force: true });
  });

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        MemorySize: 512,
        Timeout: 30,
        Environment: { Variables: { GREETING: 'hi' } },
        Code: { ZipFile: zip1 },
        ...extra,
      }),
    );

  it('CreateFunction creates a Function resource; a duplicate is 409', async () => {
    const out = await create('hello');
    expect(out.State).toBe('Pending');
    expect(out.CodeSha256).toBe(createHash('sha256').update(zip1).digest('base64'));
    const fn = await get(ns, 'functions', 'hello');
    expect(fn?.spec).toMatchObject({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      memorySize: 512,
      timeout: 30,
      code: { sha256: hex(zip1) },
    });
    // The values live in a Secret the resource references (ADR 0039), never in the resource.
    const envSecret = fn?.metadata.annotations?.['lamina.dev/environment-secret'];
    expect(envSecret).toMatch(/^hello-vars-[0-9a-f]{10}$/);
    expect(fn?.spec['environment']).toEqual({
      valueFrom: { GREETING: { secretKeyRef: { name: envSecret, key: 'GREETING' } } },
    });
    expect(fn?.metadata.annotations?.['lamina.dev/revision-id']).toBe(out.RevisionId);

    const dup = await failure(create('hello'));
    expect(dup).toMatchObject({
      name: 'ResourceConflictException',
      status: 409,
      message: 'Function already exist: hello',
    });
  });

  it('GetFunction and ListFunctions read the informer cache, kubectl applies included', async () => {
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    expect(got.Configuration).toMatchObject({ FunctionName: 'hello', MemorySize: 512 });
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: applied
spec:
  runtime: python3.13
  handler: app.handler
  code:
    sha256: ${'d'.repeat(64)}
`,
    );
    const listed = await eventually(
      async () => {
        const all = await lambda.send(new ListFunctionsCommand({}));
        const found = all.Functions?.find((f) => f.FunctionName === 'applied');
        return found === undefined ? undefined : all;
      },
      { what: 'applied in ListFunctions' },
    );
    expect(listed.Functions?.map((f) => f.FunctionName)).toEqual(['applied', 'hello']);
    const missing = await failure(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('UpdateFunctionCode/Configuration change the resource; a stale RevisionId is 412', async () => {
    await reportStatus(ns, 'hello', lambda);
    const before = await lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    const code = await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zip2 }),
    );
    expect(code.RevisionId).not.toBe(before.Configuration?.RevisionId);
    expect((await get(ns, 'functions', 'hello'))?.spec['code']).toEqual({ sha256: hex(zip2) });
    // InProgress until the (played) operator reports it; the settled RevisionId is another one.
    await reportStatus(ns, 'hello', lambda);
    const settled = await lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    expect(settled.Configuration?.RevisionId).not.toBe(code.RevisionId);

    const conf = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'hello',
        MemorySize: 1024,
        RevisionId: settled.Configuration?.RevisionId,
      }),
    );
    expect(conf.MemorySize).toBe(1024);
    expect((await get(ns, 'functions', 'hello'))?.spec['memorySize']).toBe(1024);
    await reportStatus(ns, 'hello', lambda);

    const stale = await failure(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'hello',
          Timeout: 60,
          RevisionId: code.RevisionId,
        }),
      ),
    );
    expect(stale).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    expect((await get(ns, 'functions', 'hello'))?.spec['timeout']).toBe(30);
  });

  it("what the API server's schema refuses is a Lambda 400 with its reason", async () => {
    const upper = await failure(create('MyFunction'));
    expect(upper.status).toBe(400);
    expect(upper.name).toBe('InvalidParameterValueException');
    expect(upper.message).toMatch(
      /metadata\.name: Invalid value: "MyFunction": a lowercase RFC 1123/,
    );
    expect(await names(ns, 'functions')).toEqual(['applied', 'hello']);
  });

  it('PublishVersion creates FunctionVersion resources 1 and 2', async () => {
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    expect(v1.Version).toBe('1');
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zip3 }));
    await reportStatus(ns, 'hello', lambda);
    const v2 = await lambda.send(
      new PublishVersionCommand({ FunctionName: 'hello', Description: 'second' }),
    );
    expect(v2.Version).toBe('2');
    // Nothing changed since 2: the same version comes back.
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    expect(again.Version).toBe('2');

    expect(await names(ns, 'functionversions')).toEqual(['hello-v1', 'hello-v2']);
    const r1 = await get(ns, 'functionversions', 'hello-v1');
    expect(r1?.spec).toMatchObject({
      functionName: 'hello',
      version: '1',
      function: { memorySize: 1024, code: { sha256: hex(zip2) } },
    });
    expect(r1?.metadata.ownerReferences).toMatchObject([{ kind: 'Function', name: 'hello' }]);
    const r2 = await get(ns, 'functionversions', 'hello-v2');
    expect(r2?.spec).toMatchObject({ version: '2', description: 'second' });
    expect((await get(ns, 'functions', 'hello'))?.metadata.annotations).toMatchObject({
      'lamina.dev/version-counter': '2',
    });
    const listed = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'hello' }));
    expect(listed.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
  });

  it('CreateAlias/UpdateAlias/DeleteAlias manage Alias resources with weights', async () => {
    const prod = await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'hello',
        Name: 'prod',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
      }),
    );
    expect(prod.AliasArn).toMatch(/:function:hello:prod$/);
    expect((await get(ns, 'aliases', 'hello.prod'))?.spec).toEqual({
      functionName: 'hello',
      name: 'prod',
      functionVersion: '1',
      routingConfig: { additionalVersionWeights: { '2': 0.3 } },
    });
    const dup = await failure(
      lambda.send(
        new CreateAliasCommand({ FunctionName: 'hello', Name: 'prod', FunctionVersion: '2' }),
      ),
    );
    expect(dup).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    const inUse = await failure(
      lambda.send(new DeleteVersionCommand({ FunctionName: 'hello', Qualifier: '1' })),
    );
    expect(inUse).toMatchObject({ name: 'ResourceConflictException', status: 409 });

    const stale = await failure(
      lambda.send(
        new UpdateAliasCommand({ FunctionName: 'hello', Name: 'prod', RevisionId: 'stale' }),
      ),
    );
    expect(stale).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    const moved = await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'hello',
        Name: 'prod',
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: {} },
        RevisionId: prod.RevisionId,
      }),
    );
    expect(moved.FunctionVersion).toBe('2');
    expect((await get(ns, 'aliases', 'hello.prod'))?.spec).toEqual({
      functionName: 'hello',
      name: 'prod',
      functionVersion: '2',
    });
    const got = await lambda.send(new GetAliasCommand({ FunctionName: 'hello', Name: 'prod' }));
    expect(got.RevisionId).toBe(moved.RevisionId);

    await lambda.send(new DeleteAliasCommand({ FunctionName: 'hello', Name: 'prod' }));
    expect(await names(ns, 'aliases')).toEqual([]);
  });

  it('a deleted version number is never reused', async () => {
    await lambda.send(new DeleteVersionCommand({ FunctionName: 'hello', Qualifier: '2' }));
    expect(await names(ns, 'functionversions')).toEqual(['hello-v1']);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zip1 }));
    await reportStatus(ns, 'hello', lambda);
    const v3 = await lambda.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    expect(v3.Version).toBe('3');
  });

  it('Invoke says plainly that no execution environment is ready (502)', async () => {
    // $LATEST is Pending (the operator, played here, says so): refused like Lambda does.
    await reportStatus(ns, 'hello', lambda, 'Pending');
    const pending = await failure(lambda.send(new InvokeCommand({ FunctionName: 'hello' })));
    expect(pending).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    expect(pending.message).toMatch(/Pending/);
    const err = await failure(
      lambda.send(new InvokeCommand({ FunctionName: 'hello', Qualifier: '1' })),
    );
    expect(err).toMatchObject({ name: 'ResourceNotReadyException', status: 502 });
    expect(err.message).toMatch(/hello:1: no ready worker pod within 1 s/);
  });

  it('DeleteFunction removes the Function, its versions and aliases', async () => {
    await lambda.send(
      new CreateAliasCommand({ FunctionName: 'hello', Name: 'live', FunctionVersion: '3' }),
    );
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello' }));
    expect(await names(ns, 'functions')).toEqual(['applied']);
    expect(await names(ns, 'functionversions')).toEqual([]);
    expect(await names(ns, 'aliases')).toEqual([]);
    const gone = await failure(lambda.send(new GetFunctionCommand({ FunctionName: 'hello' })));
    expect(gone).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    // The name is free again and numbering starts over.
    await create('hello');
    await reportStatus(ns, 'hello', lambda);
    const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    expect(v.Version).toBe('1');
  });
});
