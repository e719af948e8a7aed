import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetPolicyCommand,
  type LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { eventually } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';
import { getJson, kubectlOk } from './support/cluster.js';
import {
  accessKeySecret,
  type ClusterLamina,
  startClusterLamina,
  type TestAccessKey,
} from './support/cluster-lamina.js';

// Cluster mode, issue 18: the gateway (LAMINA_AUTH=secrets, the chart's default) takes its access
// keys from Secrets labelled lamina.dev/access-key=true and follows them, so a key is added or
// revoked with kubectl and no restart; a resource policy is kept on the Function resource. No
// worker image runs here: only the API's answers are checked (local mode's e2e suite invokes).

const admin: TestAccessKey = {
  accessKeyId: 'CLUSTERADMIN',
  secretAccessKey: 'cluster-admin-secret',
  policy: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
};
const reader: TestAccessKey = {
  accessKeyId: 'CLUSTERREADER',
  secretAccessKey: 'cluster-reader-secret',
  user: 'reader',
  policy: {
    Statement: { Effect: 'Allow', Action: ['lambda:Get*', 'lambda:List*'], Resource: '*' },
  },
};

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as Error).name;
  }
}

describe('cluster mode: access keys in Secrets, identity and resource policies', () => {
  let lamina: ClusterLamina | undefined;
  const clients: LambdaClient[] = [];
  const as = (k: TestAccessKey): LambdaClient => {
    const c = lambdaClient(lamina?.gateway.url ?? '', { credentials: k });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({ name: 'auth', runtime: null, accessKeys: [admin, reader] });
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await lamina?.stop();
  });

  it('signed calls work, unknown keys and policies refuse', async () => {
    const l = lamina!;
    await l.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'team-a-x',
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/r',
        Code: { ZipFile: makeZip({ 'index.js': 'exports.handler = async () => 1;\n' }) },
      }),
    );
    expect(await outcome(as(reader).send(new ListFunctionsCommand({})))).toBe('ok');
    expect(
      await outcome(as(reader).send(new DeleteFunctionCommand({ FunctionName: 'team-a-x' }))),
    ).toBe('AccessDeniedException');
    expect(
      await outcome(as({ ...admin, accessKeyId: 'NOBODY' }).send(new ListFunctionsCommand({}))),
    ).toBe('UnrecognizedClientException');
    const unsigned = await fetch(`${l.gateway.url}/2015-03-31/functions`);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('a key added or revoked as a Secret takes effect without a restart', async () => {
    const l = lamina!;
    const carol: TestAccessKey = {
      accessKeyId: 'CLUSTERCAROL',
      secretAccessKey: 'cluster-carol-secret',
      policy: { Statement: { Effect: 'Allow', Action: 'lambda:List*', Resource: '*' } },
    };
    const c = as(carol);
    expect(await outcome(c.send(new ListFunctionsCommand({})))).toBe('UnrecognizedClientException');
    await kubectlOk(['apply', '-f', '-'], accessKeySecret(l.ns, 'carol', carol));
    await eventually(async () => (await outcome(c.send(new ListFunctionsCommand({})))) === 'ok', {
      timeoutMs: 20_000,
    });
    await kubectlOk(['delete', 'secret', 'carol', '-n', l.ns]);
    await eventually(
      async () =>
        (await outcome(c.send(new ListFunctionsCommand({})))) === 'UnrecognizedClientException',
      { timeoutMs: 20_000 },
    );
  });

  it('AddPermission is kept on the Function resource', async () => {
    const l = lamina!;
    await l.lambda.send(
      new AddPermissionCommand({
        FunctionName: 'team-a-x',
        StatementId: 'reader-invokes',
        Action: 'lambda:InvokeFunction',
        Principal: 'arn:aws:iam::000000000000:user/reader',
      }),
    );
    const policy = await as(reader).send(new GetPolicyCommand({ FunctionName: 'team-a-x' }));
    expect(JSON.parse(policy.Policy ?? '{}')).toMatchObject({
      Statement: [{ Sid: 'reader-invokes', Action: 'lambda:InvokeFunction' }],
    });
    const fn = await getJson<{ metadata: { annotations?: Record<string, string> } }>([
      'get',
      'functions.lamina.dev',
      'team-a-x',
      '-n',
      l.ns,
    ]);
    expect(JSON.parse(fn?.metadata.annotations?.['lamina.dev/policy'] ?? '{}')).toMatchObject({
      '': [{ sid: 'reader-invokes' }],
    });
  });
});
