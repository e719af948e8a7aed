import { signRequest } from '@lamina/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { fakeApp, FIXED_NOW, record } from '../test-support/fakes.js';
import { type AccessKey, accessKeyOf, KeyRing } from './access-keys.js';
import type { AuditEntry } from './audit-log.js';

const HOST = 'lamina.test';
const ACCOUNT = '000000000000';
const admin = accessKeyOf(
  {
    accessKeyId: 'ADMIN',
    secretAccessKey: 'admin-secret',
    policy: { Statement: { Effect: 'Allow', Action: 'lambda:*', Resource: '*' } },
  },
  ACCOUNT,
);
const teamA = accessKeyOf(
  {
    accessKeyId: 'TEAMA',
    secretAccessKey: 'team-a-secret',
    user: 'team-a',
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: 'arn:aws:lambda:*:*:function:team-a-*',
        },
        { Effect: 'Deny', Action: 'lambda:*', Resource: '*:function:team-a-secret' },
        { Effect: 'Allow', Action: 'lambda:*', Resource: '*:function:team-a-secret' },
      ],
    },
  },
  ACCOUNT,
);

function setup() {
  const ring = new KeyRing();
  ring.replace('test', [admin, teamA]);
  const lines: AuditEntry[] = [];
  const refusals: string[] = [];
  const audit = {
    record: (e: AuditEntry) => lines.push(e),
    refused: (r: string) => refusals.push(r),
  };
  const fake = fakeApp({ accessKeys: ring, audit });
  for (const name of ['team-a-x', 'team-b-y', 'team-a-secret']) {
    fake.functions.records.set(name, record(name));
  }
  return { ...fake, lines, refusals };
}

function signed(key: AccessKey, method: string, url: string, body = '', now = FIXED_NOW) {
  return signRequest({
    ...(key.sessionToken === undefined ? {} : { sessionToken: key.sessionToken }),
    method,
    url,
    headers: { host: HOST },
    body,
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    region: 'us-east-1',
    service: 'lambda',
    now,
  });
}

const INVOKE = (fn: string) => `/2015-03-31/functions/${fn}/invocations`;

describe('the request guard on the express API', () => {
  it('answers AWS errors for unsigned, unknown, wrong and stale calls', async () => {
    const { app, refusals } = setup();
    const list = '/2015-03-31/functions';
    const unsigned = await request(app).get(list).set('host', HOST).expect(403);
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    const ghost = { ...admin, accessKeyId: 'GHOST' };
    const unknown = await request(app)
      .get(list)
      .set(signed(ghost, 'GET', list))
      .set('host', HOST);
    expect(unknown.status).toBe(403);
    expect(unknown.body).toEqual({
      Type: 'User',
      message: 'The security token included in the request is invalid.',
    });
    const wrong = { ...admin, secretAccessKey: 'not-the-secret' };
    const bad = await request(app)
      .get(list)
      .set(signed(wrong, 'GET', list))
      .set('host', HOST);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    const stale = signed(admin, 'GET', list, '', FIXED_NOW - 10 * 60_000);
    const old = await request(app).get(list).set(stale).set('host', HOST);
    expect((old.body as { message: string }).message).toMatch(/^Signature expired/);
    expect(refusals).toEqual([
      'MissingAuthenticationTokenException',
      'UnrecognizedClientException',
      'InvalidSignatureException',
      'InvalidSignatureException',
    ]);
  });

  it('signed bodies reach the route; a tampered body is refused', async () => {
    const { app, pool } = setup();
    const body = '{"hello":"world"}';
    const ok = await request(app)
      .post(INVOKE('team-a-x'))
      .set(signed(teamA, 'POST', INVOKE('team-a-x'), body))
      .set('host', HOST)
      .send(body);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe(body);
    const tampered = await request(app)
      .post(INVOKE('team-a-x'))
      .set(signed(teamA, 'POST', INVOKE('team-a-x'), body))
      .set('host', HOST)
      .send('{"hello":"mallory"}');
    expect(tampered.status).toBe(403);
    expect(pool.calls).toHaveLength(1);
  });

  it('enforces identity policies: wildcards, implicit and explicit deny', async () => {
    const { app } = setup();
    const del = await request(app)
      .delete('/2015-03-31/functions/team-a-x')
      .set(signed(teamA, 'DELETE', '/2015-03-31/functions/team-a-x'))
      .set('host', HOST);
    expect(del.status).toBe(403);
    expect(del.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect((del.body as { message: string }).message).toBe(
      'User: arn:aws:iam::000000000000:user/team-a is not authorized to perform: lambda:DeleteFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:team-a-x because no identity-based policy allows the lambda:DeleteFunction action',
    );
    const other = await request(app)
      .post(INVOKE('team-b-y'))
      .set(signed(teamA, 'POST', INVOKE('team-b-y'), '{}'))
      .set('host', HOST)
      .send('{}');
    expect(other.status).toBe(403);
    const secret = await request(app)
      .post(INVOKE('team-a-secret'))
      .set(signed(teamA, 'POST', INVOKE('team-a-secret'), '{}'))
      .set('host', HOST)
      .send('{}');
    expect((secret.body as { message: string }).message).toMatch(
      /with an explicit deny in an identity-based policy$/,
    );
  });

  it('AddPermission lets a key invoke what its own policy does not name; audits each call', async () => {
    const { app, lines } = setup();
    const policyPath = '/2015-03-31/functions/team-b-y/policy';
    const add = JSON.stringify({
      StatementId: 'team-a',
      Action: 'lambda:InvokeFunction',
      Principal: teamA.arn,
    });
    const added = await request(app)
      .post(policyPath)
      .set(signed(admin, 'POST', policyPath, add))
      .set('host', HOST)
      .send(add);
    expect(added.status).toBe(201);
    const invoked = await request(app)
      .post(INVOKE('team-b-y'))
      .set(signed(teamA, 'POST', INVOKE('team-b-y'), '{}'))
      .set('host', HOST)
      .send('{}');
    expect(invoked.status).toBe(200);
    const got = await request(app)
      .get(policyPath)
      .set(signed(admin, 'GET', policyPath))
      .set('host', HOST);
    expect(JSON.parse((got.body as { Policy: string }).Policy)).toMatchObject({
      Statement: [{ Sid: 'team-a', Principal: { AWS: teamA.arn } }],
    });
    expect(lines.map((l) => [l.operation, l.result, l.accessKeyId])).toEqual([
      ['AddPermission', 'Success', 'ADMIN'],
      ['GetPolicy', 'Success', 'ADMIN'],
    ]);
  });
});

describe('AddPermission, GetPolicy, RemovePermission', () => {
  it('answers AWS shapes and errors', async () => {
    const { app, functions } = fakeApp();
    functions.records.set('f', record('f'));
    const path = '/2015-03-31/functions/f/policy';
    const none = await request(app).get(path).expect(404);
    expect(none.body).toEqual({
      Type: 'User',
      Message: 'The resource you requested does not exist.',
    });
    const stmt = { StatementId: 's1', Action: 'lambda:InvokeFunction', Principal: '*' };
    const added = await request(app).post(path).send(stmt).expect(201);
    expect(JSON.parse((added.body as { Statement: string }).Statement)).toEqual({
      Sid: 's1',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunction',
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    });
    const dup = await request(app).post(path).send(stmt).expect(409);
    expect(dup.headers['x-amzn-errortype']).toBe('ResourceConflictException');
    const stale = await request(app)
      .post(path)
      .send({ ...stmt, StatementId: 's2', RevisionId: 'old' })
      .expect(412);
    expect(stale.headers['x-amzn-errortype']).toBe('PreconditionFailedException');
    const got = await request(app).get(path).expect(200);
    expect((got.body as { RevisionId: string }).RevisionId).toBe(functions.get('f')?.revisionId);
    await request(app).delete(`${path}/nope`).expect(404);
    await request(app).delete(`${path}/s1`).expect(204);
    await request(app).get(path).expect(404);
    expect(functions.get('f')?.policy).toBeUndefined();
    await request(app).get('/2015-03-31/functions/f/policy?Qualifier=prod').expect(404);
  });
});

describe('temporary keys and policy conditions through the guard', () => {
  const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLEtoken';
  const temp = accessKeyOf(
    {
      accessKeyId: 'ASIATEMP',
      secretAccessKey: 'temp-secret',
      sessionToken: TOKEN,
      expiration: new Date(FIXED_NOW + 60_000).toISOString(),
      policy: { Statement: { Effect: 'Allow', Action: 'lambda:*', Resource: '*' } },
    },
    ACCOUNT,
  );
  const fenced = accessKeyOf(
    {
      accessKeyId: 'FENCED',
      secretAccessKey: 'fenced-secret',
      policy: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'lambda:*',
            Resource: '*',
            Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
          },
          {
            Effect: 'Allow',
            Action: 'lambda:List*',
            Resource: '*',
            Condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-02T00:00:00Z' } },
          },
          {
            Effect: 'Allow',
            Action: 'lambda:GetAccountSettings',
            Resource: '*',
            Condition: { IpAddressIfExists: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } },
          },
        ],
      },
    },
    ACCOUNT,
  );

  function app() {
    const ring = new KeyRing();
    ring.replace('test', [temp, fenced]);
    return fakeApp({ accessKeys: ring }).app;
  }

  it('a temporary key works with its token; without it, with another or expired it does not', async () => {
    const list = '/2015-03-31/functions';
    await request(app())
      .get(list)
      .set(signed(temp, 'GET', list))
      .set('host', HOST)
      .expect(200);
    const withoutToken: AccessKey = {
      accessKeyId: temp.accessKeyId,
      secretAccessKey: temp.secretAccessKey,
      arn: temp.arn,
      policy: temp.policy,
    };
    const missing = await request(app())
      .get(list)
      .set(signed(withoutToken, 'GET', list))
      .set('host', HOST)
      .expect(403);
    expect(missing.headers['x-amzn-errortype']).toBe('UnrecognizedClientException');
    expect(missing.body).toEqual({
      Type: 'User',
      message: 'The security token included in the request is invalid.',
    });
    const other = await request(app())
      .get(list)
      .set(signed({ ...temp, sessionToken: `${TOKEN}0` }, 'GET', list))
      .set('host', HOST)
      .expect(403);
    expect(other.headers['x-amzn-errortype']).toBe('UnrecognizedClientException');
    const later = FIXED_NOW + 61_000;
    const ring = new KeyRing();
    ring.replace('test', [temp]);
    const { app: lateApp } = fakeApp({ accessKeys: ring, clock: { now: () => later } });
    const expired = await request(lateApp)
      .get(list)
      .set(signed(temp, 'GET', list, '', later))
      .set('host', HOST)
      .expect(403);
    expect(expired.headers['x-amzn-errortype']).toBe('ExpiredTokenException');
  });

  it('refuses a malformed session in a key entry', () => {
    expect(() =>
      accessKeyOf(
        {
          accessKeyId: 'X1234',
          secretAccessKey: '12345678',
          sessionToken: 'short',
          policy: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
        },
        ACCOUNT,
      ),
    ).toThrow(/sessionToken/);
    expect(() =>
      accessKeyOf(
        {
          accessKeyId: 'X1234',
          secretAccessKey: '12345678',
          sessionToken: TOKEN,
          expiration: 'tomorrow',
          policy: { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } },
        },
        ACCOUNT,
      ),
    ).toThrow(/expiration must be an ISO 8601 time/);
    expect(() =>
      accessKeyOf(
        {
          accessKeyId: 'X1234',
          secretAccessKey: '12345678',
          policy: {
            Statement: {
              Effect: 'Allow',
              Action: '*',
              Resource: '*',
              Condition: { Maybe: { a: 'b' } },
            },
          },
        },
        ACCOUNT,
      ),
    ).toThrow('X1234: The policy is not valid: the condition operator Maybe is not supported');
  });

  it('conditions see the source address and the time of the request', async () => {
    const fns = '/2015-03-31/functions';
    // From loopback: the 203.0.113.0/24 statement does not hold, the list one is past its date.
    const listed = await request(app())
      .get(fns)
      .set(signed(fenced, 'GET', fns))
      .set('host', HOST)
      .expect(403);
    expect(listed.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    const settings = '/2016-08-19/account-settings';
    await request(app())
      .get(settings)
      .set(signed(fenced, 'GET', settings))
      .set('host', HOST)
      .expect(200);
  });
});

describe('a signed big upload', () => {
  it('is authorised on the FunctionName of its body, decoded off the event loop', async () => {
    const creator = accessKeyOf(
      {
        accessKeyId: 'CREATOR',
        secretAccessKey: 'creator-secret',
        policy: {
          Statement: {
            Effect: 'Allow',
            Action: 'lambda:CreateFunction',
            Resource: 'arn:aws:lambda:*:*:function:team-a-*',
          },
        },
      },
      ACCOUNT,
    );
    const ring = new KeyRing();
    ring.replace('test', [creator]);
    const { app, functions } = fakeApp({ accessKeys: ring });
    const zip = Buffer.alloc(1024 * 1024, 7).toString('base64');
    const create = (name: string) => {
      // FunctionName after the 1.4 MB zip: found by parsing, not by where it sits.
      const body = JSON.stringify({
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: `arn:aws:iam::${ACCOUNT}:role/r`,
        Code: { ZipFile: zip },
        FunctionName: name,
      });
      const path = '/2015-03-31/functions';
      return request(app)
        .post(path)
        .set(signed(creator, 'POST', path, body))
        .set('host', HOST)
        .set('content-type', 'application/json')
        .send(body);
    };
    const ok = await create('team-a-big');
    expect(ok.status).toBe(201);
    expect(functions.get('team-a-big')).toBeDefined();
    const refused = await create('team-b-big');
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/CREATOR is not authorized to perform: lambda:CreateFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:team-b-big because no identity-based policy allows the lambda:CreateFunction action`,
    );
  }, 30_000);
});

describe('aws:SourceArn from platform callers (ADR 0046)', () => {
  const SCHEDULE = `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/default/nightly`;
  // A platform key whose own policy does not allow invoking: the resource policy decides.
  const platform = accessKeyOf(
    {
      accessKeyId: 'PLATFORM',
      secretAccessKey: 'platform-secret',
      user: 'lamina-services',
      platform: 'true',
      policy: { Statement: { Effect: 'Allow', Action: 'lambda:List*', Resource: '*' } },
    },
    ACCOUNT,
  );
  const intruder = accessKeyOf(
    {
      accessKeyId: 'INTRUDER',
      secretAccessKey: 'intruder-secret',
      policy: { Statement: { Effect: 'Allow', Action: 'lambda:List*', Resource: '*' } },
    },
    ACCOUNT,
  );

  async function withPermission() {
    const ring = new KeyRing();
    ring.replace('test', [admin, platform, intruder]);
    const fake = fakeApp({ accessKeys: ring });
    fake.functions.records.set('team-b-y', record('team-b-y'));
    const path = '/2015-03-31/functions/team-b-y/policy';
    const add = JSON.stringify({
      StatementId: 'nightly',
      Action: 'lambda:InvokeFunction',
      Principal: 'scheduler.amazonaws.com',
      SourceArn: SCHEDULE,
    });
    await request(fake.app)
      .post(path)
      .set(signed(admin, 'POST', path, add))
      .set('host', HOST)
      .send(add)
      .expect(201);
    return fake.app;
  }

  /** An invoke signed by `key`, naming `source` (inside the signature unless `unsigned`). */
  const invoke = (
    app: Awaited<ReturnType<typeof withPermission>>,
    key: AccessKey,
    source: string,
    unsigned = false,
  ) => {
    const headers = { host: HOST, ...(unsigned ? {} : { 'x-lamina-source-arn': source }) };
    const sig = signRequest({
      method: 'POST',
      url: INVOKE('team-b-y'),
      headers,
      body: '{}',
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      region: 'us-east-1',
      service: 'lambda',
      now: FIXED_NOW,
    });
    return request(app)
      .post(INVOKE('team-b-y'))
      .set(sig)
      .set('host', HOST)
      .set('x-lamina-source-arn', source)
      .send('{}');
  };

  it('a platform key calling for the permitted source is admitted by the service principal', async () => {
    const app = await withPermission();
    expect((await invoke(app, platform, SCHEDULE)).status).toBe(200);
    const other = await invoke(app, platform, `${SCHEDULE}-other`);
    expect(other.status).toBe(403);
    expect(other.headers['x-amzn-errortype']).toBe('AccessDeniedException');
  });

  it('the header is not believed from a user key, nor outside the signature', async () => {
    const app = await withPermission();
    expect((await invoke(app, intruder, SCHEDULE)).status).toBe(403);
    expect((await invoke(app, platform, SCHEDULE, true)).status).toBe(403);
  });
});
