import { request as httpRequest, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { signRequest } from '@lamina/core';
import { afterEach, describe, expect, it } from 'vitest';

import { decodePool } from '../code/decode-pool.js';
import { fakeApp, FIXED_NOW } from '../test-support/fakes.js';
import { accessKeyOf, KeyRing } from './access-keys.js';

const ACCOUNT = '000000000000';
const admin = accessKeyOf(
  {
    accessKeyId: 'ADMIN',
    secretAccessKey: 'admin-secret',
    policy: { Statement: { Effect: 'Allow', Action: 'lambda:*', Resource: '*' } },
  },
  ACCOUNT,
);
const PATH = '/2015-03-31/functions';
/** A 12 MB CreateFunction (the hostile-zip bench's size). */
const BIG = Buffer.from(
  JSON.stringify({
    FunctionName: 'big',
    Runtime: 'nodejs22.x',
    Handler: 'index.handler',
    Role: `arn:aws:iam::${ACCOUNT}:role/r`,
    Code: { ZipFile: Buffer.alloc(9 * 1024 * 1024, 1).toString('base64') },
  }),
);

interface Answer {
  status: number;
  type: string | undefined;
  retryAfter: string | undefined;
  body: string;
  /** Bytes the gateway had read from the connection when its answer arrived (headers included). */
  readAtAnswer: number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  decodePool.configure({ size: 1, queue: 8 });
});

interface Gateway {
  readonly port: number;
  /** Bytes the gateway had read from the connection when it wrote its last answer's head. */
  readonly readAtAnswer: () => number;
}

/** The gateway app on a real socket, noting how much it had read when it answered. */
async function gateway(): Promise<Gateway> {
  const ring = new KeyRing();
  ring.replace('test', [admin]);
  const { app } = fakeApp({ accessKeys: ring });
  let readAtAnswer = -1;
  const server = createServer((req, res) => {
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => typeof res;
    res.writeHead = (...args: unknown[]) => {
      readAtAnswer = req.socket.bytesRead;
      return writeHead(...args);
    };
    app(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, readAtAnswer: () => readAtAnswer };
}

/** Sends `body` as a client that writes all of it unless the connection closes first. */
async function send(gw: Gateway, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  const res = await new Promise<{ status: number; h: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: gw.port,
          method: 'POST',
          path: PATH,
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            ...headers,
          },
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => {
            resolve({
              status: r.statusCode ?? 0,
              h: r.headers,
              body: Buffer.concat(chunks).toString(),
            });
          });
          r.on('error', reject);
        },
      );
      req.on('error', () => undefined); // the gateway may close while the rest is being sent
      // In 64 KiB pieces, as a client's socket would.
      let at = 0;
      const pump = (): void => {
        while (at < body.length) {
          const piece = body.subarray(at, at + 65_536);
          at += piece.length;
          if (!req.write(piece)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    },
  );
  return {
    status: res.status,
    type: res.h['x-amzn-errortype'] as string | undefined,
    retryAfter: res.h['retry-after'] as string | undefined,
    body: res.body,
    readAtAnswer: gw.readAtAnswer(),
  };
}

const signedBy = (
  key: { accessKeyId: string; secretAccessKey: string },
  port: number,
  body: Buffer,
  declareHash = true,
): Record<string, string> => {
  return signRequest({
    method: 'POST',
    url: PATH,
    headers: { host: `127.0.0.1:${String(port)}` },
    body,
    ...key,
    region: 'us-east-1',
    service: 'lambda',
    now: FIXED_NOW,
    // false: what botocore sends, no x-amz-content-sha256 (the signature covers the body's hash).
    declarePayloadHash: declareHash,
  });
};

// Generous: each case sends up to 12 MB through loopback on a loaded machine.
const SLOW = 60_000;

describe('a signed gateway refuses a caller without a key before reading the body', () => {
  it(
    'unsigned, unknown key, wrong secret: 403 with AWS errors, answered before the 12 MB body is read',
    async () => {
      const cases: [string, (port: number) => Record<string, string>, string][] = [
        ['unsigned', () => ({}), 'MissingAuthenticationTokenException'],
        [
          'unknown key',
          (port) => signedBy({ accessKeyId: 'GHOST', secretAccessKey: 'x' }, port, BIG),
          'UnrecognizedClientException',
        ],
        [
          'wrong secret (SDK v3: hash declared)',
          (port) => signedBy({ accessKeyId: 'ADMIN', secretAccessKey: 'wrong' }, port, BIG),
          'InvalidSignatureException',
        ],
      ];
      for (const [what, headers, type] of cases) {
        const gw = await gateway();
        const a = await send(gw, headers(gw.port), BIG);
        expect({ what, status: a.status, type: a.type }).toEqual({ what, status: 403, type });
        // Answered with the body unread: the headers and what node:http buffers, not 12 MB.
        expect(a.readAtAnswer, what).toBeLessThan(1024 * 1024);
      }
    },
    SLOW,
  );

  it(
    'a small refused body drains whole and the answer arrives',
    async () => {
      const gw = await gateway();
      const small = Buffer.from('{"FunctionName":"x"}');
      const a = await send(gw, {}, small);
      expect(a.status).toBe(403);
      expect(JSON.parse(a.body)).toEqual({
        Type: 'User',
        message: 'Missing Authentication Token',
      });
    },
    SLOW,
  );

  it(
    'a tampered big body (hash declared) is refused after reading, never decoded',
    async () => {
      const gw = await gateway();
      const headers = signedBy(admin, gw.port, BIG);
      const tampered = Buffer.from(BIG);
      tampered[tampered.length - 3] = 0x32;
      const a = await send(gw, headers, tampered);
      expect(a.status).toBe(403);
      expect(a.type).toBe('InvalidSignatureException');
      expect(JSON.parse(a.body)).toMatchObject({
        message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
      });
      expect(decodePool.stats().running).toBe(0);
    },
    SLOW,
  );

  it(
    'botocore-style (no declared hash): a wrong secret is refused once the body is hashed; the right key passes',
    async () => {
      const gw = await gateway();
      const wrong = await send(
        gw,
        signedBy({ accessKeyId: 'ADMIN', secretAccessKey: 'wrong' }, gw.port, BIG, false),
        BIG,
      );
      expect(wrong.status).toBe(403);
      expect(wrong.type).toBe('InvalidSignatureException');
      expect(JSON.parse(wrong.body)).toMatchObject({
        message: expect.stringMatching(/^The request signature we calculated does not match/),
      });
      const ok = await send(gw, signedBy(admin, gw.port, BIG, false), BIG);
      // Past the guard: the route answers (the fake store takes any zip).
      expect(ok.status).toBe(201);
    },
    SLOW,
  );

  it(
    'a signed big upload beyond the decode pool and its queue: 429 TooManyRequestsException, body unread',
    async () => {
      decodePool.configure({ size: 1, queue: 0 });
      const held = await decodePool.acquire();
      try {
        const gw = await gateway();
        const a = await send(gw, signedBy(admin, gw.port, BIG), BIG);
        expect(a.status).toBe(429);
        expect(a.type).toBe('TooManyRequestsException');
        expect(a.retryAfter).toBe('1');
        expect(JSON.parse(a.body)).toEqual({
          Reason: 'CallerRateLimitExceeded',
          Type: 'User',
          message: 'Rate exceeded',
        });
        expect(a.readAtAnswer).toBeLessThan(1024 * 1024);
      } finally {
        held();
      }
    },
    SLOW,
  );
});
