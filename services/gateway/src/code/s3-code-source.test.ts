import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LaminaError, signRequest } from '@lamina/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { S3Fetcher } from './s3-code-source.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let endpoint: string;
let handler: Handler;
let spoolDir: string;
const seen: IncomingMessage[] = [];
const NOW = Date.UTC(2026, 11, 7, 1, 0, 0);
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secretEXAMPLEKEY' };

beforeEach(async () => {
  seen.length = 0;
  spoolDir = await mkdtemp(join(tmpdir(), 'lamina-s3-spool-'));
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  // Every refused or failed read removed its spool file; a test's kept ones were consumed.
  expect(await readdir(spoolDir)).toEqual([]);
  await rm(spoolDir, { recursive: true, force: true });
});

const fetcher = (o: Partial<ConstructorParameters<typeof S3Fetcher>[0]> = {}): S3Fetcher =>
  new S3Fetcher({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    clock: { now: () => NOW },
    spoolDir,
    ...o,
  });

/** The spooled object's bytes; the file is consumed, as the code store does. */
async function bytesOf(p: Promise<{ path: string; sha256Hex: string; size: number }>) {
  const spooled = await p;
  const bytes = await readFile(spooled.path);
  await rm(spooled.path);
  expect(spooled.sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(spooled.size).toBe(bytes.length);
  return bytes;
}

const s3Error = (status: number, code: string, message: string): Handler => {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>/b/k</Resource></Error>`,
    );
  };
};

async function failure(p: Promise<unknown>): Promise<LaminaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LaminaError);
  return err as LaminaError;
}

describe('S3Fetcher', () => {
  it('GETs the object path-style with a SigV4 signature S3 accepts, and returns its bytes', async () => {
    const body = Buffer.from('PK\u0003\u0004 not really a zip');
    handler = (_req, res) => res.end(body);
    const got = await bytesOf(
      fetcher().getZip({ bucket: 'code', key: 'app/v 1+2.zip', version: 'a/b' }, 1000),
    );
    expect(got).toEqual(body);
    const req = seen[0];
    expect(req?.url).toBe('/code/app/v%201%2B2.zip?versionId=a%2Fb');
    // The signature is the one core signs for this path as sent (its S3 rule is tested there).
    const expected = signRequest({
      method: 'GET',
      url: '/code/app/v%201%2B2.zip?versionId=a%2Fb',
      headers: { host: new URL(endpoint).host },
      body: '',
      ...credentials,
      region: 'us-east-1',
      service: 's3',
      now: NOW,
      s3: true,
    });
    expect(req?.headers.authorization).toBe(expected['authorization']);
    expect(req?.headers['x-amz-content-sha256']).toBe(expected['x-amz-content-sha256']);
  });

  it('sends the session token signed, and nothing signed without credentials', async () => {
    handler = (_req, res) => res.end('x');
    await bytesOf(
      fetcher({ credentials: { ...credentials, sessionToken: 'tok' } }).getZip(
        { bucket: 'b', key: 'k' },
        10,
      ),
    );
    expect(seen[0]?.headers['x-amz-security-token']).toBe('tok');
    expect(seen[0]?.headers.authorization).toMatch(
      /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
    );
    await bytesOf(
      new S3Fetcher({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        clock: { now: () => NOW },
        spoolDir,
      }).getZip({ bucket: 'b', key: 'k' }, 10),
    );
    expect(seen[1]?.headers.authorization).toBeUndefined();
  });

  it('names the bucket in the host in virtual-hosted style', () => {
    const url = fetcher({
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      forcePathStyle: false,
    }).urlOf({
      bucket: 'my-bucket',
      key: 'a/b.zip',
    });
    expect(url.href).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/a/b.zip');
  });

  it("relays S3's error code and message as Lambda does", async () => {
    handler = s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    let err = await failure(fetcher().getZip({ bucket: 'b', key: 'missing.zip' }, 10));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    );
    handler = s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    err = await failure(fetcher().getZip({ bucket: 'nope', key: 'k' }, 10));
    expect(err.message).toBe(
      'Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist',
    );
    handler = (_req, res) => {
      res.writeHead(403);
      res.end();
    };
    err = await failure(fetcher().getZip({ bucket: 'b', key: 'k' }, 10));
    expect(err.message).toBe(
      'Error occurred while GetObject. S3 Error Code: AccessDenied. S3 Error Message: Access Denied',
    );
  });

  it("refuses an object over the limit with Lambda's unzipped-size text, announced or not", async () => {
    handler = (_req, res) => res.end(Buffer.alloc(101));
    let err = await failure(fetcher().getZip({ bucket: 'b', key: 'k' }, 100));
    expect(err.message).toBe('Unzipped size must be smaller than 100 bytes');
    handler = (_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.write(Buffer.alloc(60));
      setTimeout(() => res.end(Buffer.alloc(60)), 10);
    };
    err = await failure(fetcher().getZip({ bucket: 'b', key: 'k' }, 100));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe('Unzipped size must be smaller than 100 bytes');
  });

  it('answers ServiceException when the store fails or cannot be reached', async () => {
    handler = s3Error(500, 'InternalError', 'boom');
    let err = await failure(fetcher().getZip({ bucket: 'b', key: 'k' }, 10));
    expect(err.name).toBe('ServiceException');
    expect(err.message).toContain('answered 500 (InternalError)');
    err = await failure(
      fetcher({ endpoint: 'http://127.0.0.1:1' }).getZip({ bucket: 'b', key: 'k' }, 10),
    );
    expect(err.name).toBe('ServiceException');
    expect(err.message).toBe(
      'The S3 endpoint http://127.0.0.1:1 could not be reached for GetObject.',
    );
    handler = () => undefined; // never answers
    err = await failure(fetcher({ timeoutMs: 50 }).getZip({ bucket: 'b', key: 'k' }, 10));
    expect(err.message).toMatch(/did not finish within 50 ms/);
  });
});
