import { createHash, createHmac } from 'node:crypto';

import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';

import { EMPTY_SHA256, signRequest } from './sigv4.js';

/** node:crypto as the SDK's hash constructor. */
class Sha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h =
      secret === undefined
        ? createHash('sha256')
        : createHmac(
            'sha256',
            typeof secret === 'string' ? secret : new Uint8Array(secret as ArrayBuffer),
          );
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest());
  }
}

describe('signRequest for S3 (s3: true)', () => {
  it("matches AWS's documented GetObject example", () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object".
    const h = signRequest({
      method: 'GET',
      url: '/test.txt',
      headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9' },
      body: '',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 's3',
      now: Date.UTC(2013, 4, 24),
      s3: true,
    });
    expect(h['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('signs an encoded key as sent, like the S3 client of the AWS SDK', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret/EXAMPLEKEY' };
    const now = Date.UTC(2026, 11, 7, 1, 0, 0);
    // A key with a space, a `+`, a doubled slash and a dot segment: S3 keeps all of them.
    const path = '/bucket/dir//a%20b%2Bc/./v1.zip';
    const query = 'versionId=3%2F4';
    const sdk = new SignatureV4({
      credentials,
      region: 'eu-west-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: true,
    });
    const signed = await sdk.sign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 8333,
        path,
        query: { versionId: '3/4' },
        headers: { host: '127.0.0.1:8333', 'x-amz-content-sha256': EMPTY_SHA256 },
      },
      { signingDate: new Date(now) },
    );
    const ours = signRequest({
      method: 'GET',
      url: `${path}?${query}`,
      headers: { host: '127.0.0.1:8333' },
      body: '',
      ...credentials,
      region: 'eu-west-1',
      service: 's3',
      now,
      s3: true,
    });
    expect(ours['authorization']).toBe(signed.headers['authorization']);
  });
});
