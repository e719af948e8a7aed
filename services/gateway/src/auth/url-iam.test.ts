import type { IncomingMessage } from 'node:http';

import { type PermissionStatement, signRequest } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { accessKeyOf, KeyRing } from './access-keys.js';
import { urlIamAllows } from './url-iam.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const user = accessKeyOf(
  {
    accessKeyId: 'URLUSER',
    secretAccessKey: 'url-user-secret',
    user: 'u',
    policy: {
      Statement: {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: '*:function:open-*',
      },
    },
  },
  '000000000000',
);
const keys = new KeyRing();
keys.replace('t', [user]);

function request(body: string, secret = user.secretAccessKey): IncomingMessage {
  const headers = { host: 'abc.lambda-url.us-east-1.localhost' };
  const signed = signRequest({
    method: 'POST',
    url: '/path?x=1',
    headers,
    body,
    accessKeyId: user.accessKeyId,
    secretAccessKey: secret,
    region: 'us-east-1',
    service: 'lambda',
    now: NOW,
  });
  return {
    method: 'POST',
    url: '/path?x=1',
    headers: { ...headers, ...signed },
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
}

describe('AWS_IAM function URLs', () => {
  const statements = new Map<string, PermissionStatement[]>();
  const o = {
    keys,
    arn: { region: 'us-east-1', accountId: '000000000000' },
    clock: { now: () => NOW },
    policyOf: (fn: string) => statements.get(fn),
  };
  const body = Buffer.from('hi');

  it('verifies the signature and the identity policy', () => {
    expect(urlIamAllows(o, request('hi'), body, { functionName: 'open-a' })).toBe(true);
    expect(urlIamAllows(o, request('hi', 'wrong-secret'), body, { functionName: 'open-a' })).toBe(
      false,
    );
    expect(urlIamAllows(o, request('other'), body, { functionName: 'open-a' })).toBe(false);
    expect(urlIamAllows(o, request('hi'), body, { functionName: 'closed' })).toBe(false);
  });

  it('a resource policy for AWS_IAM URLs admits the named caller', () => {
    statements.set('closed', [
      {
        sid: 's',
        action: 'lambda:InvokeFunctionUrl',
        principal: user.arn,
        functionUrlAuthType: 'AWS_IAM',
      },
    ]);
    expect(urlIamAllows(o, request('hi'), body, { functionName: 'closed' })).toBe(true);
  });
});
