import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LIMITS } from '@lamina/core';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DiskCodeStore } from '../code/disk-code-store.js';
import { tooManyEntriesMessage } from '../code/safe-unzip.js';
import { buildZip, type ZipEntrySpec } from '../code/test-support/build-zip.js';
import { type ErrorBody, fakeApp } from '../test-support/fakes.js';
import { isBase64, zipFromUpload } from './zip-upload.js';

let root: string;
let server: Server;
let base: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamina-upload-'));
  const { app } = fakeApp({ code: new DiskCodeStore({ root }) });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

const entries = (n: number): ZipEntrySpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `d${i % 100}/f${i}.js`, data: `//${i}` }));

/** CreateFunction with `zip`, while /healthz is asked every 20 ms; the answers are counted. */
async function createWhileProbing(zip: Buffer) {
  // Built first: the test's own work must not count against the server.
  const request = new TextEncoder().encode(
    JSON.stringify({
      FunctionName: 'hostile',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::000000000000:role/r',
      Handler: 'index.handler',
      Code: { ZipFile: zip.toString('base64') },
    }),
  );
  let probes = 0;
  const state = { done: false };
  const probing = (async () => {
    while (!state.done) {
      const res = await fetch(`${base}/healthz`);
      await res.arrayBuffer();
      probes += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const res = await fetch(`${base}/2015-03-31/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: request,
  });
  const body = (await res.json()) as ErrorBody;
  const type = res.headers.get('x-amzn-errortype');
  state.done = true;
  await probing;
  return { status: res.status, type, body, probes };
}

describe('code uploads do not stall the gateway', () => {
  it('refuses a 100,000-entry zip at once, naming the limit', async () => {
    const zip = buildZip(entries(100_000));
    expect(zip.length).toBeGreaterThan(8_000_000);
    const r = await createWhileProbing(zip);
    expect(r.status).toBe(400);
    expect(r.type).toBe('InvalidParameterValueException');
    expect(r.body.Message ?? r.body.message).toBe(tooManyEntriesMessage(LIMITS.zipMaxEntries));
    // Refused from the entry count, before anything is written; /healthz kept answering meanwhile
    // (how fast is bench/hostile-zip's to measure, not a test's).
    expect(r.probes).toBeGreaterThan(0);
    // Nothing unpacked (the module boundary package.json may be there already).
    expect((await readdir(root)).filter((n) => n !== 'package.json')).toEqual([]);
  }, 60_000);

  it('answers /healthz promptly while a big package is unpacked', async () => {
    const r = await createWhileProbing(buildZip(entries(3_000)));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.probes).toBeGreaterThan(1);
  }, 60_000);
});

describe('zipFromUpload', () => {
  it('refuses a ZipFile over the zipped limit before decoding it', () => {
    const b64 = 'A'.repeat(Math.ceil((LIMITS.zipMaxBytes + 3) / 3) * 4);
    expect(() => zipFromUpload({ ZipFile: b64 }, 'Code.')).toThrow(
      `Zipped size must be smaller than ${LIMITS.zipMaxBytes} bytes`,
    );
  });
});

describe('isBase64', () => {
  it.each([
    ['', true],
    ['QUJD', true],
    ['QUI=', true],
    ['QQ==', true],
    ['Q===', false],
    ['QU JD', false],
    ['QU-_', false],
    ['QUé=', false],
    ['=QUJ', false],
  ])('%j → %s', (s, ok) => {
    expect(isBase64(s)).toBe(ok);
  });
});

describe('big code uploads decoded off the event loop', () => {
  const big = (extra: Record<string, unknown>) => ({
    FunctionName: 'big',
    Runtime: 'nodejs22.x',
    Role: 'arn:aws:iam::000000000000:role/r',
    Handler: 'index.handler',
    ...extra,
  });

  it('stores a zip from a body over 1 MB, and refuses bad JSON and bad base64 as before', async () => {
    const { app, code } = fakeApp();
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(1_200_000, 7)]);
    await request(app)
      .post('/2015-03-31/functions')
      .send(big({ Code: { ZipFile: zip.toString('base64') } }))
      .expect(201);
    expect([...code.zips.values()].some((z) => z.equals(zip))).toBe(true);
    const badJson = await request(app)
      .post('/2015-03-31/functions')
      .set('content-type', 'application/json')
      .send(`{"FunctionName":"x","Code":{"ZipFile":"${'A'.repeat(1_200_000)}"`)
      .expect(400);
    expect(badJson.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');
    const badB64 = await request(app)
      .post('/2015-03-31/functions')
      .send(big({ FunctionName: 'big2', Code: { ZipFile: `${'A'.repeat(1_200_000)}!` } }))
      .expect(400);
    expect(badB64.body).toMatchObject({ message: 'Code.ZipFile must be base64-encoded.' });
  }, 60_000);
});
