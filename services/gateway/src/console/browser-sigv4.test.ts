import { createHash, createHmac, randomBytes } from 'node:crypto';

import { signRequest } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { hmac, sha256, signHeaders } from '../../console-ui/src/sigv4.js';

// The console signs in the browser with its own SHA-256/HMAC (no WebCrypto on plain HTTP): it
// must agree with node:crypto and with core's signer to the byte, or the gateway refuses it.

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe("the console's browser SigV4", () => {
  it('hashes and MACs as node:crypto does, across block boundaries', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const data = randomBytes(n);
      expect(hex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'));
      const key = randomBytes(n % 100);
      expect(hex(hmac(key, data))).toBe(createHmac('sha256', key).update(data).digest('hex'));
    }
    const longKey = randomBytes(100);
    expect(hex(hmac(longKey, Buffer.from('x')))).toBe(
      createHmac('sha256', longKey).update('x').digest('hex'),
    );
  });

  it("signs exactly as core's signer does, so the gateway's verifier accepts it", () => {
    const common = {
      accessKeyId: 'AKID',
      secretAccessKey: 'secret',
      region: 'us-east-1',
      service: 'lambda',
      now: Date.parse('2026-12-07T01:02:03Z'),
    };
    for (const [method, url, body] of [
      ['GET', '/2015-03-31/functions/', ''],
      ['GET', '/lamina/v1/functions/my%20fn/logs?since=5&filter=a%2Bb%20c&limit=10', ''],
      ['POST', '/2015-03-31/functions/f/invocations?Qualifier=%24LATEST', '{"name":"é"}'],
    ] as const) {
      const mine = signHeaders({ method, url, host: 'gw:9000', body, ...common });
      const core = signRequest({ method, url, headers: { host: 'gw:9000' }, body, ...common });
      expect(mine['authorization']).toBe(core['authorization']);
      expect(mine['x-amz-content-sha256']).toBe(core['x-amz-content-sha256']);
    }
  });
});
