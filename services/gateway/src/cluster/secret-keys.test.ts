/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   Secrets as plain objects, the shape the informer hands over. */
import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { keyOfSecret } from './secret-keys.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (data: Record<string, string>): V1Secret => ({
  metadata: { name: 'k' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const POLICY = JSON.stringify({
  Statement: {
    Effect: 'Allow',
    Action: '*',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  },
});

describe('keys from labelled Secrets', () => {
  it('reads a temporary key: its session token and expiration, and a conditioned policy', () => {
    const key = keyOfSecret(
      secret({
        accessKeyId: 'ASIASECRET',
        secretAccessKey: 'temporary-secret',
        sessionToken: 'FwoGZXIvYXdzEXAMPLEtoken',
        expiration: '2026-12-07T18:00:00Z',
        policy: POLICY,
      }),
      '000000000000',
    );
    expect(key.sessionToken).toBe('FwoGZXIvYXdzEXAMPLEtoken');
    expect(key.expiresAt).toBe(Date.parse('2026-12-07T18:00:00Z'));
    expect(key.policy.statements[0]?.condition).toHaveLength(1);
  });

  it('a long-term key has no session; a malformed expiration is refused with the reason', () => {
    const plain = {
      accessKeyId: 'AKIASECRET',
      secretAccessKey: 'long-term-secret',
      policy: POLICY,
    };
    expect(keyOfSecret(secret(plain), '000000000000').sessionToken).toBeUndefined();
    expect(() =>
      keyOfSecret(
        secret({ ...plain, sessionToken: 'FwoGZXIvYXdzEXAMPLEtoken', expiration: 'soon' }),
        '000000000000',
      ),
    ).toThrow('AKIASECRET: expiration must be an ISO 8601 time (2026-12-07T12:00:00Z)');
  });
});
