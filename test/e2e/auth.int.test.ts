import { execFile } from 'node:child_process';
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetPolicyCommand,
  InvokeCommand,
  type LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { signRequest } from '@lamina/core';
import { ASYNC_INVOKE_RULES, EventInvokeRefused, GatewayClient } from '@lamina/service-kit';
import { eventually, type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

const run = promisify(execFile);
const ACCOUNT = '000000000000';
const code = makeZip({ 'index.js': 'exports.handler = async (e) => ({ ok: true, e });\n' });

const key = (id: string, policy: unknown, user?: string) => ({
  accessKeyId: id,
  secretAccessKey: `${id.toLowerCase()}-secret-key`,
  ...(user === undefined ? {} : { user }),
  policy,
});
const admin = key('ADMINKEY', { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
const teamA = key(
  'TEAMAKEY',
  {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: 'arn:aws:lambda:*:*:function:team-a-*',
    },
  },
  'team-a',
);
const bob = key(
  'BOBKEY',
  { Statement: { Effect: 'Allow', Action: 'lambda:Get*', Resource: '*' } },
  'bob',
);
const denier = key('DENYKEY', {
  Statement: [
    { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
    { Effect: 'Deny', Action: 'lambda:DeleteFunction', Resource: '*' },
  ],
});

// Policy variables (ADR 0046): each user may invoke the functions named after them.
const ownFunctions = {
  Version: '2012-10-17',
  Statement: {
    Effect: 'Allow',
    Action: 'lambda:InvokeFunction',
    Resource: 'arn:aws:lambda:*:*:function:${aws:username}-*',
  },
};
const erin = key('ERINKEY', ownFunctions, 'erin');
const frank = key('FRANKKEY', ownFunctions, 'frank');

// A platform key (ADR 0046): its own policy lists only; it may name the source it calls for.
const platformKey = {
  ...key('PLATFORMKEY', { Statement: { Effect: 'Allow', Action: 'lambda:List*', Resource: '*' } }),
  user: 'lamina-services',
  platform: true,
};

// Temporary credentials (issue #18): a current session and an expired one.
const TOKEN = `IQoJb3JpZ2luX2VjTemporary${'x'.repeat(40)}`;
const temporary = {
  ...key('ASIATEMPKEY', { Statement: { Effect: 'Allow', Action: 'lambda:*', Resource: '*' } }),
  sessionToken: TOKEN,
  expiration: new Date(Date.now() + 3600_000).toISOString(),
};
const expired = {
  ...key('ASIAOLDKEY', { Statement: { Effect: 'Allow', Action: 'lambda:*', Resource: '*' } }),
  sessionToken: `${TOKEN}old`,
  expiration: '2026-01-01T00:00:00Z',
};
// Conditions: invoke from loopback over plain HTTP only; delete only from 10.0.0.0/8.
const fenced = key(
  'FENCEDKEY',
  {
    Statement: [
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction', 'lambda:DeleteFunction'],
        Resource: '*',
        Condition: {
          IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] },
          Bool: { 'aws:SecureTransport': 'false' },
          StringEquals: { 'aws:username': 'fenced' },
        },
      },
      {
        Effect: 'Deny',
        Action: 'lambda:DeleteFunction',
        Resource: '*',
        Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    ],
  },
  'fenced',
);

/** The error name and message an SDK call ended with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

const BOTO = `
import sys, json, boto3, botocore
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
    aws_session_token=(sys.argv[5] if len(sys.argv) > 5 else None),
    config=botocore.config.Config(retries={'max_attempts': 1}))
try:
    r = c.invoke(FunctionName=sys.argv[4], Payload=b'{"from":"boto3"}')
    print(json.dumps({'status': r['StatusCode'], 'payload': json.loads(r['Payload'].read())}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({'error': e.response['Error']['Code'], 'message': e.response['Error']['Message']}))
`;

const BOTO_CREATE = `
import sys, json, boto3, botocore
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
    config=botocore.config.Config(retries={'max_attempts': 1}))
try:
    c.create_function(FunctionName=sys.argv[4], Runtime='nodejs22.x', Handler='index.handler',
        Role='arn:aws:iam::000000000000:role/r', Code={'ZipFile': open(sys.argv[5], 'rb').read()})
    print(json.dumps({'created': True}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({'error': e.response['Error']['Code'], 'message': e.response['Error']['Message']}))
`;

describe('signed requests, identity and resource policies, the audit log (local mode)', () => {
  let lamina: LaminaProcess;
  let dir: string;
  let auditFile: string;
  let keysFile: string;
  const clients: LambdaClient[] = [];
  const as = (k: { accessKeyId: string; secretAccessKey: string }, systemClockOffset?: number) => {
    const c = lambdaClient(lamina.url, {
      credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey },
      ...(systemClockOffset === undefined ? {} : { systemClockOffset }),
    });
    clients.push(c);
    return c;
  };
  const suffix = uniqueName('x').slice(-6);
  const fnA = `team-a-x-${suffix}`;
  const fnB = `team-b-y-${suffix}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-auth-'));
    keysFile = join(dir, 'keys.json');
    auditFile = join(dir, 'audit.log');
    writeFileSync(
      keysFile,
      JSON.stringify({
        keys: [admin, teamA, bob, denier, temporary, expired, fenced, erin, frank],
      }),
    );
    lamina = await startLamina({
      env: { LAMINA_AUTH_KEYS_FILE: keysFile, LAMINA_AUDIT_LOG_FILE: auditFile },
    });
    for (const name of [fnA, fnB]) {
      await as(admin).send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: `arn:aws:iam::${ACCOUNT}:role/r`,
          Code: { ZipFile: code },
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await lamina.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a signed call with the right key, and refuses unknown, wrong, unsigned, expired and tampered ones', async () => {
    expect(await outcome(as(admin).send(new ListFunctionsCommand({})))).toBe('ok');
    expect(
      await outcome(as({ ...admin, accessKeyId: 'NOSUCHKEY' }).send(new ListFunctionsCommand({}))),
    ).toBe('UnrecognizedClientException: The security token included in the request is invalid.');
    expect(
      await outcome(as({ ...admin, secretAccessKey: 'wrong' }).send(new ListFunctionsCommand({}))),
    ).toMatch(/^InvalidSignatureException: The request signature we calculated does not match/);
    expect(await outcome(as(admin, -10 * 60_000).send(new ListFunctionsCommand({})))).toMatch(
      /^InvalidSignatureException: Signature expired: \d{8}T\d{6}Z is now earlier than/,
    );
    const unsigned = await fetch(`${lamina.url}/2015-03-31/functions`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');

    const path = `/2015-03-31/functions/${fnA}/invocations`;
    const host = new URL(lamina.url).host;
    const headers = signRequest({
      method: 'POST',
      url: path,
      headers: { host },
      body: '{"n":1}',
      ...admin,
      region: 'us-east-1',
      service: 'lambda',
      now: Date.now(),
    });
    const tampered = await fetch(`${lamina.url}${path}`, {
      method: 'POST',
      headers,
      body: '{"n":2}',
    });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const intact = await fetch(`${lamina.url}${path}`, {
      method: 'POST',
      headers,
      body: '{"n":1}',
    });
    expect(intact.status).toBe(200);
  });

  it('a key allowed to invoke team-a-* invokes team-a-x but cannot delete it nor invoke team-b-y', async () => {
    const a = as(teamA);
    const res = await a.send(new InvokeCommand({ FunctionName: fnA, Payload: Buffer.from('{}') }));
    expect(res.StatusCode).toBe(200);
    expect(await outcome(a.send(new DeleteFunctionCommand({ FunctionName: fnA })))).toBe(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/team-a is not authorized to perform: lambda:DeleteFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fnA} because no identity-based policy allows the lambda:DeleteFunction action`,
    );
    expect(await outcome(a.send(new InvokeCommand({ FunctionName: fnB })))).toMatch(
      /^AccessDeniedException: .* lambda:InvokeFunction on resource: .*function:team-b-y/,
    );
  });

  it('an explicit Deny beats an Allow', async () => {
    expect(
      await outcome(as(denier).send(new DeleteFunctionCommand({ FunctionName: fnB }))),
    ).toMatch(/with an explicit deny in an identity-based policy$/);
    expect(await outcome(as(denier).send(new ListFunctionsCommand({})))).toBe('ok');
  });

  it('AddPermission lets a second key invoke a function its own policy does not name', async () => {
    const b = as(bob);
    expect(await outcome(b.send(new InvokeCommand({ FunctionName: fnB })))).toMatch(
      /^AccessDeniedException/,
    );
    await as(admin).send(
      new AddPermissionCommand({
        FunctionName: fnB,
        StatementId: 'bob-invokes',
        Action: 'lambda:InvokeFunction',
        Principal: `arn:aws:iam::${ACCOUNT}:user/bob`,
      }),
    );
    const policy = await b.send(new GetPolicyCommand({ FunctionName: fnB }));
    expect(JSON.parse(policy.Policy ?? '{}')).toMatchObject({
      Statement: [{ Sid: 'bob-invokes' }],
    });
    const res = await b.send(new InvokeCommand({ FunctionName: fnB, Payload: Buffer.from('{}') }));
    expect(res.StatusCode).toBe(200);
    await expect(
      as(admin).send(
        new AddPermissionCommand({
          FunctionName: fnB,
          StatementId: 'bob-invokes',
          Action: 'lambda:InvokeFunction',
          Principal: '*',
        }),
      ),
    ).rejects.toThrow(/statement id \(sid\) provided already exists/);
  });

  it('boto3 signs as the SDK does: the right key works, a wrong secret does not', async () => {
    const boto = async (k: typeof admin, fn: string) => {
      const { stdout } = await run('python3', [
        '-c',
        BOTO,
        lamina.url,
        k.accessKeyId,
        k.secretAccessKey,
        fn,
      ]);
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    expect(await boto(teamA, fnA)).toEqual({
      status: 200,
      payload: { ok: true, e: { from: 'boto3' } },
    });
    expect(await boto({ ...teamA, secretAccessKey: 'nope' }, fnA)).toMatchObject({
      error: 'InvalidSignatureException',
    });
    expect(await boto(teamA, fnB)).toMatchObject({ error: 'AccessDeniedException' });
  });

  it('the in-process dispatcher signs its own calls: an Event invoke runs', async () => {
    const invocations = async (): Promise<number> => {
      const metrics = await (await fetch(`${lamina.url}/metrics`)).text();
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith(`lamina_invocations_total{function="${fnA}"`));
      return Number(line?.split(' ').pop() ?? '0');
    };
    const before = await invocations();
    await as(admin).send(
      new InvokeCommand({ FunctionName: fnA, InvocationType: 'Event', Payload: Buffer.from('{}') }),
    );
    await eventually(
      async () => {
        expect(await invocations()).toBe(before + 1);
        return true;
      },
      { timeoutMs: 30_000 },
    );
  });

  it('a new key in the keys file works without a restart', async () => {
    const carol = key('CAROLKEY', {
      Statement: { Effect: 'Allow', Action: 'lambda:List*', Resource: '*' },
    });
    writeFileSync(
      keysFile,
      JSON.stringify({ keys: [admin, teamA, bob, denier, temporary, expired, fenced, carol] }),
    );
    const carolClient = as(carol);
    await eventually(
      async () => {
        expect(await outcome(carolClient.send(new ListFunctionsCommand({})))).toBe('ok');
        return true;
      },
      { timeoutMs: 10_000 },
    );
  });

  it('the audit log holds one line per management call and per refusal', () => {
    const lines = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const of = (operation: string, result?: string) =>
      lines.filter(
        (l) => l['operation'] === operation && (result === undefined || l['result'] === result),
      );
    expect(of('CreateFunction', 'Success')).toHaveLength(2);
    expect(of('AddPermission', 'Success')).toHaveLength(1);
    expect(of('AddPermission', 'ResourceConflictException')).toHaveLength(1);
    expect(of('DeleteFunction', 'AccessDeniedException')).toHaveLength(2);
    expect(of('GetPolicy', 'Success')).toHaveLength(1);
    expect(of('Invoke', 'AccessDeniedException').length).toBeGreaterThanOrEqual(3);
    expect(of('Invoke', 'Success')).toHaveLength(0);
    const ids = lines.map((l) => l['requestId']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining([
          'time',
          'operation',
          'result',
          'status',
          'requestId',
          'sourceAddress',
        ]),
      );
    }
    expect(lamina.logs()).toContain('"audit":true');
  });

  it('temporary credentials: SDK v3 and boto3 pass with the session token; a wrong, missing or expired one is refused', async () => {
    const withToken = (k: typeof temporary, sessionToken: string | undefined) => {
      const c = lambdaClient(lamina.url, {
        credentials: {
          accessKeyId: k.accessKeyId,
          secretAccessKey: k.secretAccessKey,
          ...(sessionToken === undefined ? {} : { sessionToken }),
        },
      });
      clients.push(c);
      return c;
    };
    const invoke = new InvokeCommand({ FunctionName: fnA, Payload: Buffer.from('{}') });
    expect(await outcome(withToken(temporary, TOKEN).send(invoke))).toBe('ok');
    const invalid =
      'UnrecognizedClientException: The security token included in the request is invalid.';
    expect(await outcome(withToken(temporary, undefined).send(invoke))).toBe(invalid);
    expect(await outcome(withToken(temporary, `${TOKEN}x`).send(invoke))).toBe(invalid);
    expect(await outcome(as(admin).send(new ListFunctionsCommand({})))).toBe('ok');
    const adminWithToken = lambdaClient(lamina.url, {
      credentials: { ...admin, sessionToken: TOKEN },
    });
    clients.push(adminWithToken);
    expect(await outcome(adminWithToken.send(new ListFunctionsCommand({})))).toBe(invalid);
    expect(await outcome(withToken(expired, expired.sessionToken).send(invoke))).toBe(
      'ExpiredTokenException: The security token included in the request is expired',
    );
    const boto = async (token: string) => {
      const { stdout } = await run('python3', [
        '-c',
        BOTO,
        lamina.url,
        temporary.accessKeyId,
        temporary.secretAccessKey,
        fnA,
        token,
      ]);
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    expect(await boto(TOKEN)).toMatchObject({ status: 200 });
    expect(await boto('not-the-token-at-all')).toEqual({
      error: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('policy conditions: source address, transport and user name hold from here; the conditioned Deny wins', async () => {
    const f = as(fenced);
    const res = await f.send(new InvokeCommand({ FunctionName: fnA, Payload: Buffer.from('{}') }));
    expect(res.StatusCode).toBe(200);
    expect(await outcome(f.send(new DeleteFunctionCommand({ FunctionName: fnA })))).toBe(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/fenced is not authorized to perform: lambda:DeleteFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fnA} with an explicit deny in an identity-based policy`,
    );
    expect(await outcome(f.send(new ListFunctionsCommand({})))).toMatch(
      /^AccessDeniedException: .*because no identity-based policy allows the lambda:ListFunctions action$/,
    );
  });

  it('a key whose policy has an unknown condition operator is left out, with the reason logged', async () => {
    const broken = key('BROKENKEY', {
      Statement: {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { StringSortOf: { 'aws:username': 'x' } },
      },
    });
    writeFileSync(
      keysFile,
      JSON.stringify({ keys: [admin, teamA, bob, denier, temporary, expired, fenced, broken] }),
    );
    await eventually(
      () => {
        expect(lamina.logs()).toContain(
          'BROKENKEY: The policy is not valid: the condition operator StringSortOf is not supported',
        );
        return Promise.resolve(true);
      },
      { timeoutMs: 10_000 },
    );
    expect(await outcome(as(broken).send(new ListFunctionsCommand({})))).toBe(
      'UnrecognizedClientException: The security token included in the request is invalid.',
    );
  });

  it('a big signed upload (over 1 MiB, decoded off the event loop) is authorised on its FunctionName', async () => {
    const big = makeZip({
      'index.js': 'exports.handler = async () => ({ big: true });\n',
      // Random bytes do not compress: the request body is well over 1 MiB.
      'blob.bin': randomBytes(1_200_000).toString('base64'),
    });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const create = (k: typeof admin, name: string) =>
      as(k).send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: `arn:aws:iam::${ACCOUNT}:role/r`,
          Code: { ZipFile: big },
        }),
      );
    const name = `big-${suffix}`;
    expect(await outcome(create(admin, name))).toBe('ok');
    const res = await as(admin).send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    expect(JSON.parse(Buffer.from(res.Payload ?? []).toString())).toEqual({ big: true });
    expect(await outcome(create(teamA, `team-a-big-${suffix}`))).toBe(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/team-a is not authorized to perform: lambda:CreateFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:team-a-big-${suffix} because no identity-based policy allows the lambda:CreateFunction action`,
    );
  }, 120_000);

  it('policy variables: one policy, each key invokes only the functions named after its user', async () => {
    // Earlier tests rewrote the keys file: put these two keys back and wait for them.
    writeFileSync(keysFile, JSON.stringify({ keys: [admin, erin, frank] }));
    await eventually(
      async () => {
        expect(await outcome(as(frank).send(new ListFunctionsCommand({})))).toMatch(
          /^AccessDeniedException/,
        );
        return true;
      },
      { timeoutMs: 10_000 },
    );
    const own = `erin-f-${suffix}`;
    await as(admin).send(
      new CreateFunctionCommand({
        FunctionName: own,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: `arn:aws:iam::${ACCOUNT}:role/r`,
        Code: { ZipFile: code },
      }),
    );
    const res = await as(erin).send(new InvokeCommand({ FunctionName: own, Payload: '{}' }));
    expect(res.StatusCode).toBe(200);
    expect(await outcome(as(frank).send(new InvokeCommand({ FunctionName: own })))).toBe(
      `AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/frank is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:${own} because no identity-based policy allows the lambda:InvokeFunction action`,
    );
    expect(await outcome(as(erin).send(new InvokeCommand({ FunctionName: fnA })))).toMatch(
      /^AccessDeniedException: User: .*user\/erin is not authorized/,
    );
  }, 120_000);

  it('aws:SourceArn from a platform key: a service principal with that SourceArn admits it, nobody else', async () => {
    const SCHEDULE = `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/nightly`;
    writeFileSync(keysFile, JSON.stringify({ keys: [admin, erin, platformKey] }));
    await eventually(
      async () => {
        expect(await outcome(as(platformKey).send(new ListFunctionsCommand({})))).toBe('ok');
        return true;
      },
      { timeoutMs: 10_000 },
    );
    await as(admin).send(
      new AddPermissionCommand({
        FunctionName: fnB,
        StatementId: 'nightly',
        Action: 'lambda:InvokeFunction',
        Principal: 'scheduler.amazonaws.com',
        SourceArn: SCHEDULE,
      }),
    );
    const agent = new Agent();
    // The platform's own client (service-kit), as the dispatcher signs its Event invokes.
    const client = (k: { accessKeyId: string; secretAccessKey: string }) =>
      new GatewayClient({
        gatewayUrl: lamina.url,
        agent,
        invokeTimeoutMs: 30_000,
        rules: ASYNC_INVOKE_RULES,
        credentials: { ...k, region: 'us-east-1' },
      });
    const refused = (p: Promise<void>) =>
      p.then(
        () => 'ok',
        (e: unknown) =>
          e instanceof EventInvokeRefused
            ? `${String(e.statusCode)} ${e.errorType ?? ''}`
            : String(e),
      );
    try {
      expect(await refused(client(platformKey).invokeEvent(fnB, '{}', undefined, SCHEDULE))).toBe(
        'ok',
      );
      expect(
        await refused(client(platformKey).invokeEvent(fnB, '{}', undefined, `${SCHEDULE}x`)),
      ).toBe('403 AccessDeniedException');
      expect(await refused(client(platformKey).invokeEvent(fnB, '{}'))).toBe(
        '403 AccessDeniedException',
      );
      // A user key naming the same source is not believed.
      expect(await refused(client(erin).invokeEvent(fnB, '{}', undefined, SCHEDULE))).toBe(
        '403 AccessDeniedException',
      );
    } finally {
      agent.destroy();
    }
  }, 120_000);

  it('a big upload from a caller without a key is refused before its body is read: SDK v3 and boto3 get AWS errors', async () => {
    // ~8 MB of random bytes: an 11 MB CreateFunction body.
    const big = makeZip({
      'index.js': 'exports.handler = async () => 1;\n',
      'blob.bin': randomBytes(8_000_000),
    });
    const create = (k: typeof admin) =>
      as(k).send(
        new CreateFunctionCommand({
          FunctionName: `refused-${suffix}`,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: `arn:aws:iam::${ACCOUNT}:role/r`,
          Code: { ZipFile: big },
        }),
      );
    // SDK v3 declares the payload hash: both are refused from the headers alone.
    expect(await outcome(create({ ...admin, accessKeyId: 'NOSUCHKEY' }))).toBe(
      'UnrecognizedClientException: The security token included in the request is invalid.',
    );
    expect(await outcome(create({ ...admin, secretAccessKey: 'wrong' }))).toMatch(
      /^InvalidSignatureException: The request signature we calculated does not match/,
    );
    // boto3 declares none: an unknown key is refused at once, a wrong secret once the body is hashed.
    const zipFile = join(dir, 'big.zip');
    writeFileSync(zipFile, big);
    const boto = async (k: typeof admin) => {
      const { stdout } = await run('python3', [
        '-c',
        BOTO_CREATE,
        lamina.url,
        k.accessKeyId,
        k.secretAccessKey,
        `refused-${suffix}`,
        zipFile,
      ]);
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    expect(await boto({ ...admin, accessKeyId: 'NOSUCHKEY' })).toEqual({
      error: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    expect(await boto({ ...admin, secretAccessKey: 'wrong' })).toMatchObject({
      error: 'InvalidSignatureException',
    });
    // Nothing was created, and the gateway still answers.
    expect(await outcome(as(admin).send(new ListFunctionsCommand({})))).toBe('ok');
    expect(
      await outcome(
        as(admin).send(new DeleteFunctionCommand({ FunctionName: `refused-${suffix}` })),
      ),
    ).toMatch(/^ResourceNotFoundException/);
  }, 120_000);
});
