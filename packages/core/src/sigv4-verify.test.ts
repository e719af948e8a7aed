import { createHash, createHmac } from 'node:crypto';

import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';

import { EMPTY_SHA256, sha256Hex, signRequest } from './sigv4.js';
import { beginSigV4, verifySigV4 } from './sigv4-verify.js';

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** node:crypto as the SDK's hash constructor. */
class Sha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest());
  }
}

const KEY = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const NOW = Date.UTC(2026, 11, 6, 21, 0, 0);
const signer = new SignatureV4({
  credentials: KEY,
  region: 'us-east-1',
  service: 'lambda',
  sha256: Sha256,
});

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyHash: string;
}

async function sdkSigned(
  path: string,
  query: Record<string, string>,
  body: string | undefined,
  opts: { presign?: boolean; signingDate?: Date } = {},
): Promise<Sent> {
  const request = {
    method: body === undefined ? 'GET' : 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 9000,
    path,
    query,
    headers: { host: '127.0.0.1:9000', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  };
  const signingDate = opts.signingDate ?? new Date(NOW);
  const signed = opts.presign
    ? await signer.presign(request, { signingDate, expiresIn: 300 })
    : await signer.sign(request, { signingDate });
  const q = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const headers = Object.fromEntries(
    Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return {
    method: signed.method,
    url: q === '' ? signed.path : `${signed.path}?${q}`,
    headers,
    bodyHash: body === undefined ? EMPTY_SHA256 : sha256Hex(body),
  };
}

const ctx = {
  secretOf: (id: string) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined),
  region: 'us-east-1',
  services: ['lambda'],
  now: NOW,
};

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  return 'no error';
};

describe('verifySigV4 against @smithy/signature-v4', () => {
  it('accepts header signatures of bodies, encoded paths and queries', async () => {
    const cases = [
      await sdkSigned('/2015-03-31/functions', {}, undefined),
      await sdkSigned('/2015-03-31/functions/my%3Afn/invocations', {}, '{"a":1}'),
      await sdkSigned(
        '/2015-03-31/functions/f/policy',
        { Qualifier: 'prod', Marker: 'a b/c+d' },
        undefined,
      ),
    ];
    for (const sent of cases) {
      expect(verifySigV4(sent, ctx)).toMatchObject({
        accessKeyId: 'AKIDEXAMPLE',
        presigned: false,
        signedHeaders: expect.arrayContaining(['host']),
      });
    }
  });

  it('accepts a pre-signed URL until it expires', async () => {
    const sent = await sdkSigned('/2015-03-31/functions/f', {}, undefined, { presign: true });
    expect(verifySigV4(sent, ctx).presigned).toBe(true);
    expect(errorOf(() => verifySigV4(sent, { ...ctx, now: NOW + 301_000 }))).toMatch(
      /^InvalidSignatureException: Signature expired/,
    );
  });

  it('refuses unsigned, unknown, wrong, tampered and stale requests with AWS errors', async () => {
    const sent = await sdkSigned('/2015-03-31/functions/f/invocations', {}, '{"a":1}');
    expect(errorOf(() => verifySigV4({ ...sent, headers: { host: 'h' } }, ctx))).toBe(
      'MissingAuthenticationTokenException: Missing Authentication Token',
    );
    expect(errorOf(() => verifySigV4(sent, { ...ctx, secretOf: () => undefined }))).toBe(
      'UnrecognizedClientException: The security token included in the request is invalid.',
    );
    expect(errorOf(() => verifySigV4(sent, { ...ctx, secretOf: () => 'other' }))).toMatch(
      /^InvalidSignatureException: The request signature we calculated does not match/,
    );
    expect(
      errorOf(() => verifySigV4({ ...sent, url: sent.url.replace('/f/', '/g/') }, ctx)),
    ).toMatch(/does not match the signature you provided/);
    expect(errorOf(() => verifySigV4({ ...sent, bodyHash: sha256Hex('{"a":2}') }, ctx))).toMatch(
      /x-amz-content-sha256' header does not match/,
    );
    expect(errorOf(() => verifySigV4(sent, { ...ctx, now: NOW + 6 * 60_000 }))).toBe(
      'InvalidSignatureException: Signature expired: 20261206T210000Z is now earlier than 20261206T210100Z (20261206T210600Z - 5 min.)',
    );
    expect(errorOf(() => verifySigV4(sent, { ...ctx, now: NOW - 6 * 60_000 }))).toMatch(
      /^InvalidSignatureException: Signature not yet current/,
    );
    expect(errorOf(() => verifySigV4(sent, { ...ctx, services: ['scheduler'] }))).toMatch(
      /scoped to correct service: 'scheduler'/,
    );
  });

  it('verifies a body hash that is not declared (botocore sends no x-amz-content-sha256)', async () => {
    const sent = await sdkSigned('/2015-03-31/functions/f/invocations', {}, '{"a":1}');
    const rest = { ...sent.headers };
    delete rest['x-amz-content-sha256'];
    // smithy signs the header; botocore's shape is the same request without it.
    const body = '{"a":1}';
    const headers = {
      ...rest,
      ...signRequest({
        method: 'POST',
        url: sent.url,
        headers: { host: rest['host'] ?? '' },
        body,
        ...KEY,
        region: 'us-east-1',
        service: 'lambda',
        now: NOW,
      }),
    };
    expect(verifySigV4({ ...sent, headers }, ctx).accessKeyId).toBe('AKIDEXAMPLE');
  });

  it('signRequest produces what the SDK produces', async () => {
    const sent = await sdkSigned('/2015-03-31/functions/f/invocations', {}, '{"a":1}');
    const ours = signRequest({
      method: 'POST',
      url: sent.url,
      headers: { host: '127.0.0.1:9000', 'content-type': 'application/json' },
      body: '{"a":1}',
      ...KEY,
      region: 'us-east-1',
      service: 'lambda',
      now: NOW,
    });
    expect(ours['authorization']).toBe(sent.headers['authorization']);
  });

  it('temporary keys: the session token must be carried, be theirs, and be current', async () => {
    const TOKEN = 'FwoGZXIvYXdzEXAMPLE-session-token';
    const session = new SignatureV4({
      credentials: { ...KEY, sessionToken: TOKEN },
      region: 'us-east-1',
      service: 'lambda',
      sha256: Sha256,
    });
    const request = {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
      path: '/2015-03-31/functions/f/invocations',
      query: {},
      headers: { host: '127.0.0.1:9000' },
      body: '{}',
    };
    const signed = await session.sign(request, { signingDate: new Date(NOW) });
    const headers = Object.fromEntries(
      Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(headers['x-amz-security-token']).toBe(TOKEN);
    const sent = { method: 'POST', url: request.path, headers, bodyHash: sha256Hex('{}') };
    const temporary = { ...ctx, sessionOf: () => ({ sessionToken: TOKEN, expiresAt: NOW + 1 }) };
    expect(verifySigV4(sent, temporary).accessKeyId).toBe('AKIDEXAMPLE');
    const invalid =
      'UnrecognizedClientException: The security token included in the request is invalid.';
    // A long-term key given a token, a temporary key given another token or none.
    expect(errorOf(() => verifySigV4(sent, ctx))).toBe(invalid);
    expect(
      errorOf(() =>
        verifySigV4(sent, { ...ctx, sessionOf: () => ({ sessionToken: `${TOKEN}x` }) }),
      ),
    ).toBe(invalid);
    const plain = await sdkSigned('/2015-03-31/functions/f/invocations', {}, '{}');
    expect(errorOf(() => verifySigV4(plain, temporary))).toBe(invalid);
    expect(errorOf(() => verifySigV4(sent, { ...temporary, now: NOW + 1 }))).toBe(
      'ExpiredTokenException: The security token included in the request is expired',
    );
    // Pre-signed: the token travels in the query.
    const presigned = await session.presign(
      { ...request, method: 'GET', body: undefined },
      { signingDate: new Date(NOW), expiresIn: 300 },
    );
    const q = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    expect(q).toContain('X-Amz-Security-Token=');
    const url = `${presigned.path}?${q}`;
    const got = { method: 'GET', url, headers: { host: '127.0.0.1:9000' }, bodyHash: EMPTY_SHA256 };
    expect(verifySigV4(got, temporary).presigned).toBe(true);
    expect(errorOf(() => verifySigV4(got, ctx))).toBe(invalid);
  });

  it('beginSigV4 refuses from the headers alone, and checks the body hash only after', async () => {
    const sent = await sdkSigned('/2015-03-31/functions', {}, '{"FunctionName":"f"}');
    const { bodyHash, ...head } = sent;
    // No key, a wrong secret, no signature, a stale one: refused before any body is read.
    expect(errorOf(() => beginSigV4(head, { ...ctx, secretOf: () => undefined }))).toMatch(
      /^UnrecognizedClientException/,
    );
    expect(errorOf(() => beginSigV4(head, { ...ctx, secretOf: () => 'other' }))).toMatch(
      /^InvalidSignatureException: The request signature we calculated does not match/,
    );
    expect(errorOf(() => beginSigV4({ ...head, headers: { host: 'h' } }, ctx))).toMatch(
      /^MissingAuthenticationTokenException/,
    );
    expect(errorOf(() => beginSigV4(head, { ...ctx, now: NOW + 6 * 60_000 }))).toMatch(
      /^InvalidSignatureException: Signature expired/,
    );
    const pending = beginSigV4(head, ctx);
    expect(pending.needsBody).toBe(false);
    expect(errorOf(() => pending.complete(sha256Hex('{"FunctionName":"g"}')))).toBe(
      "InvalidSignatureException: The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    expect(pending.complete(bodyHash)).toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      presigned: false,
    });
  });

  it('beginSigV4 without a declared payload hash (botocore): the signature waits for the body', async () => {
    const bare = new SignatureV4({
      credentials: KEY,
      region: 'us-east-1',
      service: 'lambda',
      sha256: Sha256,
      applyChecksum: false,
    });
    const body = '{"FunctionName":"f"}';
    const signed = await bare.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 9000,
        path: '/2015-03-31/functions',
        query: {},
        headers: { host: '127.0.0.1:9000' },
        body,
      },
      { signingDate: new Date(NOW) },
    );
    const headers = Object.fromEntries(
      Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    const head = { method: 'POST', url: '/2015-03-31/functions', headers };
    // An unknown key is still refused at once; a known one with a wrong secret only with the body.
    expect(errorOf(() => beginSigV4(head, { ...ctx, secretOf: () => undefined }))).toMatch(
      /^UnrecognizedClientException/,
    );
    const wrong = beginSigV4(head, { ...ctx, secretOf: () => 'other' });
    expect(wrong.needsBody).toBe(true);
    expect(errorOf(() => wrong.complete(sha256Hex(body)))).toMatch(/does not match the signature/);
    const right = beginSigV4(head, ctx);
    expect(errorOf(() => right.complete(sha256Hex('{}')))).toMatch(/does not match the signature/);
    expect(right.complete(sha256Hex(body)).accessKeyId).toBe('AKIDEXAMPLE');
  });
});
